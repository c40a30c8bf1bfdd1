// State of the deadline board: the officer's open cases by urgency with live countdowns, and for
// RPOs, IGs and national roles the districts of a region or province with their missed deadlines.
// A stream of the officer's jurisdiction reloads both when an alert or a case change arrives.

import {
  acknowledgeCase,
  fetchDistrictCounts,
  fetchProvinces,
  fetchSignedInOfficer,
  fetchUrgentCases,
} from '../api/client';
import type {
  CaseDeadline,
  DistrictDeadlineCounts,
  JurisdictionProperties,
  SignedInOfficer,
  UrgentCase,
} from '../api/types';
import { guardApiCall } from '../lib/guard-api-call';

const TICK_MS = 1000;
// Events arrive in bursts (an alert and a case change per escalation), so reloads wait for the burst.
const RELOAD_DELAY_MS = 500;
// A reload now and then also catches deadlines that passed without any event.
const RELOAD_INTERVAL_MS = 60_000;

const STREAM_PARAMETER: Record<string, string> = { dpo: 'district', rpo: 'region', ig: 'province' };

export type DeadlineState = 'done' | 'breached' | 'running';

export class DeadlineBoardState {
  officer = $state.raw<SignedInOfficer | null>(null);
  cases = $state.raw<UrgentCase[]>([]);
  districts = $state.raw<DistrictDeadlineCounts[] | null>(null);
  loadError = $state<unknown>(null);
  loading = $state(true);
  /** Provinces a national account can choose from, and the one chosen. */
  provinces = $state.raw<JurisdictionProperties[]>([]);
  provinceCode = $state<string | null>(null);
  /** The case whose acknowledgement is on its way, so its button is disabled meanwhile. */
  acting = $state<string | null>(null);
  /** Server time minus browser time, so countdowns follow the server's clock. */
  private offsetMs = 0;
  /** Browser time of the last tick; countdowns re-render when it changes. */
  now = $state(Date.now());

  private source: EventSource | null = null;
  private tickTimer: ReturnType<typeof setInterval> | undefined;
  private reloadTimer: ReturnType<typeof setInterval> | undefined;
  private pendingReload: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly onSessionEnded: () => void) {}

  get serverNow(): number {
    return this.now + this.offsetMs;
  }

  /** Whether the board shows counts per district to this account (the RPO, IG and national views). */
  get showsDistricts(): boolean {
    return this.officer !== null && this.officer.role !== 'dpo';
  }

  async start(): Promise<void> {
    this.officer = await this.guard(fetchSignedInOfficer());
    if (!this.officer) return;
    this.tickTimer = setInterval(() => {
      this.now = Date.now();
    }, TICK_MS);
    this.reloadTimer = setInterval(() => void this.reload(), RELOAD_INTERVAL_MS);
    this.follow(this.officer);
    const role = this.officer.role;
    if (role !== 'dpo' && role !== 'rpo' && role !== 'ig') await this.loadProvinces();
    await this.reload();
  }

  stop(): void {
    clearInterval(this.tickTimer);
    clearInterval(this.reloadTimer);
    clearTimeout(this.pendingReload);
    this.source?.close();
    this.source = null;
  }

  remainingMs(deadline: CaseDeadline): number {
    return Date.parse(deadline.dueAt) - this.serverNow;
  }

  deadlineState(deadline: CaseDeadline): DeadlineState {
    if (deadline.doneAt) return 'done';
    if (deadline.escalatedTo || this.remainingMs(deadline) <= 0) return 'breached';
    return 'running';
  }

  isBreached(item: UrgentCase): boolean {
    return item.deadlines.some((deadline) => this.deadlineState(deadline) === 'breached');
  }

  async reload(): Promise<void> {
    const requestedAt = Date.now();
    const urgent = await this.guard(fetchUrgentCases());
    if (urgent) {
      // Half the round trip is the best guess of when the server read its clock.
      const receivedAt = Date.now();
      this.offsetMs = Date.parse(urgent.serverTime) - (requestedAt + receivedAt) / 2;
      this.cases = urgent.cases;
    }
    if (this.showsDistricts) {
      const counts = await this.guard(fetchDistrictCounts(this.countedParent()));
      if (counts) this.districts = counts.districts;
    }
    this.loading = false;
  }

  /** Acknowledges a case for the officer's district, then reloads the board. */
  async acknowledge(caseId: string): Promise<void> {
    this.acting = caseId;
    try {
      await this.guard(acknowledgeCase(caseId));
      await this.reload();
    } finally {
      this.acting = null;
    }
  }

  /** Chooses the province whose districts a national account counts. */
  chooseProvince(code: string): void {
    this.provinceCode = code;
    void this.reload();
  }

  // An RPO or IG counts their own region or province; a national account the province chosen.
  private countedParent(): { level: 'province'; code: string } | undefined {
    const role = this.officer?.role;
    if (role === 'rpo' || role === 'ig' || !this.provinceCode) return undefined;
    return { level: 'province', code: this.provinceCode };
  }

  private async loadProvinces(): Promise<void> {
    const collection = await this.guard(fetchProvinces());
    const provinces = (collection?.features ?? []).map((feature) => feature.properties);
    this.provinces = provinces;
    this.provinceCode = provinces[0]?.code ?? null;
  }

  private follow(officer: SignedInOfficer): void {
    const parameter = STREAM_PARAMETER[officer.role];
    const query =
      parameter && officer.jurisdictionCode
        ? `${parameter}=${encodeURIComponent(officer.jurisdictionCode)}`
        : '';
    if (!query) return;
    const source = new EventSource(`/api/events?${query}`, { withCredentials: true });
    const scheduleReload = () => {
      clearTimeout(this.pendingReload);
      this.pendingReload = setTimeout(() => void this.reload(), RELOAD_DELAY_MS);
    };
    // A province's stream carries IG alerts and the case changes of the province, new reports
    // included, so an IG's board reloads on either.
    source.addEventListener('alert', scheduleReload);
    source.addEventListener('case-status', scheduleReload);
    this.source = source;
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
