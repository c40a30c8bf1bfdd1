// Shapes of the public portal's API responses: the register, the report receipt and the reporter's view.
import type { District, Sex } from './types';

export type RegisterChild = {
  publicId: string;
  name: string;
  age: number;
  sex: Sex;
  district: District | null;
  lastSeenOn: string;
  lastSeenArea: { lat: number; lon: number; bounds: [number, number, number, number] };
  photos: { url: string }[];
};

export type RegisterPage = {
  children: RegisterChild[];
  page: number;
  pageSize: number;
  total: number;
  /** Districts with listed children, for the district filter. */
  districts: { code: string; name: string; nameUr: string | null; children: number }[];
};

export type RegisterFilter = {
  name?: string;
  ageMin?: string;
  ageMax?: string;
  sex?: string;
  district?: string;
  seenFrom?: string;
  seenTo?: string;
  page?: number;
};

export type ReportReceipt = {
  id: string;
  trackingCode: string;
  createdAt: string;
  district: District | null;
};

export type TimelineEvent = { event: string; at: string; text?: string | null; photo?: boolean };

export type ReporterView = {
  trackingCode: string;
  status: string;
  reportedAt: string;
  district: District | null;
  timeline: TimelineEvent[];
  register: { listed: boolean; takenDown: boolean; publicId: string | null };
};

export type NewReport = {
  child: { name: string; age: number; sex: Sex; description: string | null };
  lastSeen: { lat: number; lon: number; at: string; placeDescription: string | null };
  reporter: { name: string; phone: string };
};

/** One result of the place lookup: a jurisdiction whose name matched, or an address from the geocoder. */
export type PlaceCandidate = {
  source: 'boundary' | 'geocoder';
  level: 'province' | 'region' | 'district' | 'address';
  code: string | null;
  label: string;
  point: { lat: number; lon: number };
  /** [west, south, east, north] in degrees. */
  bbox: [number, number, number, number] | null;
  district: { code: string; name: string; nameUr: string | null } | null;
};

export type PlaceLookup = {
  candidates: PlaceCandidate[];
  geocoder: 'off' | 'ok' | 'unavailable';
};
