// English text of the dispatcher dashboard. ur.ts must provide the same keys (the Messages type).
export const en = {
  appName: 'Talash',
  dashboardTitle: 'Dispatcher dashboard',
  skipToQueue: 'Skip to the alert list',
  languageLabel: 'Language',

  signIn: {
    heading: 'Sign in',
    intro: 'Enter the dispatch access token issued to your office.',
    tokenLabel: 'Access token',
    submit: 'Sign in',
    busy: 'Signing in…',
    missingToken: 'Enter the access token.',
  },
  signOut: 'Sign out',
  checkingSession: 'Checking your session…',

  districtLabel: 'District',
  districtPlaceholder: 'Choose a district',
  queueLabel: 'Queues',
  districtAlertsTab: (district: string) => `Alerts: ${district}`,
  noDistrictTab: 'Alerts',
  unassignedTab: 'Unassigned',
  unassignedHint: 'Reports whose last-seen place is outside every district boundary.',
  chooseDistrictHint: 'Choose a district in the list above or on the map to see its alerts.',
  noAlerts: 'No alerts for this district.',
  noUnassigned: 'No unassigned cases.',
  loading: 'Loading…',
  alertCount: (count: string) => `${count} alerts`,
  unassignedCount: (count: string) => `${count} unassigned cases`,

  connection: {
    label: 'Live updates',
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    offline: 'Offline',
  },

  child: {
    age: (years: string) => `${years} years`,
    sex: { female: 'Girl', male: 'Boy', other: 'Other', unknown: 'Sex not given' },
  },
  ageLabel: 'Age',
  sexLabel: 'Sex',
  lastSeen: 'Last seen',
  lastSeenAgo: (relative: string) => `last seen ${relative}`,
  trackingCode: 'Tracking code',
  onBorder: 'On border',
  onBorderHint: 'The last-seen place is near a district boundary: the neighbouring district was alerted too.',
  post: { DPO: 'District Police Officer', RPO: 'Regional Police Officer', IG: 'Inspector General' },
  status: 'Status',
  caseStatus: { reported: 'Reported' } as Record<string, string>,
  description: 'Description',
  noDescription: 'No description given.',
  location: 'Location',
  district: 'District',
  region: 'Region',
  noDistrict: 'Outside every district',
  alertRaised: 'Alert raised',
  acknowledged: 'Acknowledged',
  notAcknowledged: 'Not yet',
  photo: (name: string) => `Photo of ${name}`,
  noPhoto: 'No photo',
  photoFailed: 'The photo could not be loaded.',
  closeDetails: 'Close details',
  detailsHeading: 'Case details',

  newAlertAnnouncement: (name: string, age: string, district: string) =>
    `New alert: ${name}, ${age}, ${district}`,
  newUnassignedAnnouncement: (name: string, age: string) => `New unassigned case: ${name}, ${age}`,
  newBadge: 'New',

  mapLabel: 'Map of districts and last-seen places. Select a district or a point.',
  mapUnavailable: 'The map could not start in this browser (WebGL is unavailable). The lists still work.',

  errors: {
    AUTH_REQUIRED: 'Your session has ended. Sign in again.',
    INVALID_ACCESS_TOKEN: 'That access token is not valid. Check it and try again.',
    RATE_LIMITED: 'Too many attempts. Wait a minute and try again.',
    NOT_FOUND: 'That item was not found. It may have been removed.',
    INTERNAL_ERROR: 'The server had a problem. Try again; if it persists, tell the system administrator.',
    NETWORK_ERROR: 'The server could not be reached. Check the network connection.',
    generic: 'Something went wrong. Try again.',
  } as Record<string, string> & { generic: string },
};

export type Messages = typeof en;
