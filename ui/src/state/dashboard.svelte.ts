// State of the signed-in dashboard: the chosen district, its alerts, the unassigned queue, the live
// stream and the selection shared by the list, the detail panel and the map.

import { SvelteSet } from 'svelte/reactivity';
import { fetchDistrictAlerts, fetchDistricts, fetchPublicConfig, fetchUnassignedCases } from '../api/client';
import type { Alert, Case, DistrictCollection, JurisdictionProperties } from '../api/types';
import { locale } from '../i18n/locale.svelte';
import { guardApiCall } from '../lib/guard-api-call';
import { type ConnectionStatus, LiveEvents } from '../lib/live-events';

export type QueueView = 'district' | 'unassigned';

// One row of a queue: an alert of the chosen district, or an unassigned case (alert null).
export type QueueItem = { key: string; case: Case; alert: Alert | null };

const DISTRICT_STORAGE_KEY = 'talash.district';
const FRESH_HIGHLIGHT_MS = 8_000;

function readStoredDistrict(): string | null {
  try {
    return localStorage.getItem(DISTRICT_STORAGE_KEY);
  } catch {
    return null;
  }
}

function storeDistrict(code: string | null): void {
  try {
    if (code) localStorage.setItem(DISTRICT_STORAGE_KEY, code);
    else localStorage.removeItem(DISTRICT_STORAGE_KEY);
  } catch {
    // Without storage the choice lasts only for this page load.
  }
}

export function alertItem(alert: Alert): QueueItem {
  return { key: `alert:${alert.id}`, case: alert.case, alert };
}

export function unassignedItem(caseView: Case): QueueItem {
  return { key: `case:${caseView.id}`, case: caseView, alert: null };
}

// Puts `item` first, dropping an older copy with the same id, so a repeated event does not duplicate.
function prependUnique<T extends { id: string }>(list: T[], item: T): T[] {
  return [item, ...list.filter((existing) => existing.id !== item.id)];
}

export class DashboardState {
  districts = $state.raw<DistrictCollection | null>(null);
  basemapTileUrl = $state<string | null>(null);
  districtCode = $state<string | null>(readStoredDistrict());
  view = $state<QueueView>('district');

  alerts = $state.raw<Alert[]>([]);
  unassigned = $state.raw<Case[]>([]);
  alertsLoading = $state(false);
  unassignedLoading = $state(false);
  loadError = $state<unknown>(null);

  selectedKey = $state<string | null>(null);
  // Bumped whenever the list requests a flight to the selection, so choosing the same row twice
  // flies again.
  flyRequest = $state(0);
  freshKeys = new SvelteSet<string>();
  announcement = $state('');
  connection = $state<ConnectionStatus>('connecting');

  private live: LiveEvents;
  private alertsRequest = 0;

  constructor(private readonly onSessionEnded: () => void) {
    this.live = new LiveEvents({
      onAlert: (alert) => this.receiveAlert(alert),
      onCaseUnassigned: (caseView) => this.receiveUnassigned(caseView),
      onStatus: (status) => {
        this.connection = status;
      },
      onResumed: () => {
        void this.reloadQueues();
      },
      onRejected: () => {
        void this.reloadQueues();
      },
    });
  }

  get districtOptions(): JurisdictionProperties[] {
    const features = this.districts?.features ?? [];
    const collator = new Intl.Collator(locale.language === 'ur' ? 'ur' : 'en');
    return features
      .map((feature) => feature.properties)
      .sort((a, b) => collator.compare(locale.jurisdictionName(a), locale.jurisdictionName(b)));
  }

  get district(): JurisdictionProperties | null {
    const code = this.districtCode;
    return this.districts?.features.find((feature) => feature.properties.code === code)?.properties ?? null;
  }

  get items(): QueueItem[] {
    return this.view === 'unassigned' ? this.unassigned.map(unassignedItem) : this.alerts.map(alertItem);
  }

  get selectedItem(): QueueItem | null {
    return this.items.find((item) => item.key === this.selectedKey) ?? null;
  }

  async start(): Promise<void> {
    const [config, districts] = await Promise.all([
      fetchPublicConfig().catch(() => ({ basemapTileUrl: null })),
      this.guard(fetchDistricts()),
    ]);
    this.basemapTileUrl = config.basemapTileUrl;
    if (districts) this.districts = districts;

    // A remembered district that no longer exists (boundaries re-imported) is forgotten.
    if (this.districtCode && !this.district) this.chooseDistrict(null);

    this.live.connect(this.districtCode);
    await this.reloadQueues();
  }

  stop(): void {
    this.live.close();
  }

  chooseDistrict(code: string | null): void {
    if (code === this.districtCode) {
      this.view = 'district';
      return;
    }
    this.districtCode = code;
    this.view = 'district';
    this.selectedKey = null;
    this.alerts = [];
    storeDistrict(code);
    this.live.connect(code);
    void this.loadAlerts();
  }

  showView(view: QueueView): void {
    this.view = view;
    if (this.selectedItem === null) this.selectedKey = null;
  }

  select(key: string | null, options: { fly: boolean }): void {
    this.selectedKey = key;
    if (key && options.fly) this.flyRequest += 1;
  }

  // Selects the row of a case clicked on the map, in whichever queue shows it.
  selectCase(caseId: string): void {
    const item = this.items.find((candidate) => candidate.case.id === caseId);
    if (item) this.select(item.key, { fly: false });
  }

  async reloadQueues(): Promise<void> {
    await Promise.all([this.loadAlerts(), this.loadUnassigned()]);
  }

  private async loadAlerts(): Promise<void> {
    const code = this.districtCode;
    const request = ++this.alertsRequest;
    if (!code) {
      this.alerts = [];
      this.alertsLoading = false;
      return;
    }

    this.alertsLoading = true;
    const alerts = await this.guard(fetchDistrictAlerts(code));
    // A slower response for a district chosen earlier must not overwrite the current one.
    if (request !== this.alertsRequest) return;
    this.alertsLoading = false;
    if (alerts) this.alerts = alerts;
  }

  private async loadUnassigned(): Promise<void> {
    this.unassignedLoading = true;
    const cases = await this.guard(fetchUnassignedCases());
    this.unassignedLoading = false;
    if (cases) this.unassigned = cases;
  }

  private receiveAlert(alert: Alert): void {
    this.alerts = prependUnique(this.alerts, alert);
    this.markFresh(alertItem(alert).key);

    const place = alert.case.district ? locale.jurisdictionName(alert.case.district) : '';
    this.announce(
      locale.messages.newAlertAnnouncement(alert.case.child.name, this.ageText(alert.case), place),
    );
  }

  private receiveUnassigned(caseView: Case): void {
    this.unassigned = prependUnique(this.unassigned, caseView);
    this.markFresh(unassignedItem(caseView).key);
    this.announce(locale.messages.newUnassignedAnnouncement(caseView.child.name, this.ageText(caseView)));
  }

  private ageText(caseView: Case): string {
    return locale.messages.child.age(locale.formatNumber(caseView.child.age));
  }

  private markFresh(key: string): void {
    this.freshKeys.add(key);
    setTimeout(() => this.freshKeys.delete(key), FRESH_HIGHLIGHT_MS);
  }

  // Clears the live region first so that two identical announcements in a row are both read out.
  private announce(text: string): void {
    this.announcement = '';
    queueMicrotask(() => {
      this.announcement = text;
    });
  }

  // Awaits an API call and keeps its error for the page. A 401 ends the session.
  private guard<T>(promise: Promise<T>): Promise<T | null> {
    return guardApiCall(promise, {
      succeeded: () => {
        this.loadError = null;
      },
      failed: (error) => {
        this.loadError = error;
      },
      unauthorized: () => {
        this.stop();
        this.onSessionEnded();
      },
    });
  }
}
