// Urdu text of the dispatcher dashboard, key for key with en.ts.
import type { Messages } from './en';

export const ur: Messages = {
  appName: 'تلاش',
  dashboardTitle: 'ڈسپیچر ڈیش بورڈ',
  skipToQueue: 'الرٹ کی فہرست پر جائیں',
  languageLabel: 'زبان',

  signIn: {
    heading: 'سائن ان',
    intro: 'اپنے دفتر کو جاری کیا گیا ڈسپیچ ایکسیس ٹوکن درج کریں۔',
    tokenLabel: 'ایکسیس ٹوکن',
    submit: 'سائن ان کریں',
    busy: 'سائن ان ہو رہا ہے…',
    missingToken: 'ایکسیس ٹوکن درج کریں۔',
  },
  signOut: 'سائن آؤٹ',
  checkingSession: 'آپ کا سیشن چیک کیا جا رہا ہے…',

  districtLabel: 'ضلع',
  districtPlaceholder: 'ضلع منتخب کریں',
  queueLabel: 'فہرستیں',
  districtAlertsTab: (district: string) => `الرٹ: ${district}`,
  noDistrictTab: 'الرٹ',
  unassignedTab: 'غیر تفویض شدہ',
  unassignedHint: 'وہ رپورٹیں جن میں آخری بار دیکھے جانے کی جگہ کسی ضلع کی حدود میں نہیں۔',
  chooseDistrictHint: 'الرٹ دیکھنے کے لیے اوپر کی فہرست سے یا نقشے پر ضلع منتخب کریں۔',
  noAlerts: 'اس ضلع کے لیے کوئی الرٹ نہیں۔',
  noUnassigned: 'کوئی غیر تفویض شدہ کیس نہیں۔',
  loading: 'لوڈ ہو رہا ہے…',
  alertCount: (count: string) => `${count} الرٹ`,
  unassignedCount: (count: string) => `${count} غیر تفویض شدہ کیس`,

  connection: {
    label: 'براہ راست اپ ڈیٹس',
    connecting: 'رابطہ ہو رہا ہے…',
    live: 'براہ راست',
    reconnecting: 'دوبارہ رابطہ ہو رہا ہے…',
    offline: 'آف لائن',
  },

  child: {
    age: (years: string) => `${years} سال`,
    sex: { female: 'لڑکی', male: 'لڑکا', other: 'دیگر', unknown: 'جنس درج نہیں' },
  },
  photoLabel: 'تصویر',
  ageLabel: 'عمر',
  sexLabel: 'جنس',
  lastSeen: 'آخری بار دیکھا گیا',
  lastSeenAgo: (relative: string) => `آخری بار ${relative} دیکھا گیا`,
  trackingCode: 'ٹریکنگ کوڈ',
  onBorder: 'سرحد پر',
  onBorderHint:
    'آخری بار دیکھے جانے کی جگہ ضلع کی حد کے قریب ہے، اس لیے ساتھ والے ضلع کو بھی الرٹ بھیجا گیا۔',
  post: { DPO: 'ضلعی پولیس افسر', RPO: 'ریجنل پولیس افسر', IG: 'انسپکٹر جنرل' },
  status: 'حیثیت',
  caseStatus: { reported: 'رپورٹ شدہ' },
  description: 'حلیہ',
  noDescription: 'کوئی حلیہ درج نہیں۔',
  location: 'مقام',
  district: 'ضلع',
  region: 'ڈویژن',
  noDistrict: 'کسی ضلع کی حدود میں نہیں',
  alertRaised: 'الرٹ جاری ہوا',
  acknowledged: 'وصولی کی تصدیق',
  notAcknowledged: 'ابھی نہیں ہوئی',
  photo: (name: string) => `${name} کی تصویر`,
  noPhoto: 'کوئی تصویر نہیں',
  photoFailed: 'تصویر لوڈ نہیں ہو سکی۔',
  closeDetails: 'تفصیل بند کریں',
  detailsHeading: 'کیس کی تفصیل',

  newAlertAnnouncement: (name: string, age: string, district: string) =>
    `نیا الرٹ: ${name}، ${age}، ${district}`,
  newUnassignedAnnouncement: (name: string, age: string) => `نیا غیر تفویض شدہ کیس: ${name}، ${age}`,
  newBadge: 'نیا',

  mapLabel: 'اضلاع اور آخری بار دیکھے جانے کی جگہوں کا نقشہ۔ کوئی ضلع یا نقطہ منتخب کریں۔',
  mapUnavailable: 'یہ براؤزر نقشہ نہیں چلا سکا (WebGL دستیاب نہیں)۔ فہرستیں پھر بھی کام کرتی ہیں۔',

  errors: {
    AUTH_REQUIRED: 'آپ کا سیشن ختم ہو گیا ہے۔ دوبارہ سائن ان کریں۔',
    INVALID_ACCESS_TOKEN: 'یہ ایکسیس ٹوکن درست نہیں۔ اسے چیک کر کے دوبارہ کوشش کریں۔',
    RATE_LIMITED: 'بہت زیادہ کوششیں۔ ایک منٹ انتظار کر کے دوبارہ کوشش کریں۔',
    NOT_FOUND: 'یہ چیز نہیں ملی۔ ہو سکتا ہے اسے ہٹا دیا گیا ہو۔',
    INTERNAL_ERROR: 'سرور میں خرابی ہوئی۔ دوبارہ کوشش کریں؛ مسئلہ برقرار رہے تو سسٹم ایڈمنسٹریٹر کو بتائیں۔',
    NETWORK_ERROR: 'سرور سے رابطہ نہیں ہو سکا۔ نیٹ ورک کنکشن چیک کریں۔',
    generic: 'کچھ غلط ہو گیا۔ دوبارہ کوشش کریں۔',
  },
};
