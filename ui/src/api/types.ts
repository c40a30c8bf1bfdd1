// Shapes of the dashboard API's JSON bodies, as the API contract defines them.
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';

export type Sex = 'female' | 'male' | 'other' | 'unknown';

export type JurisdictionRef = { code: string; name: string; nameUr: string | null };

export type Case = {
  id: string;
  trackingCode: string;
  status: string;
  createdAt: string;
  child: { name: string; age: number; sex: Sex; description: string | null };
  lastSeen: { lat: number; lon: number; at: string };
  district: JurisdictionRef | null;
  region: JurisdictionRef | null;
  onBorder: boolean;
  photoCount: number;
};

export type Alert = {
  id: string;
  post: 'DPO' | 'RPO' | 'IG';
  createdAt: string;
  acknowledgedAt: string | null;
  case: Case;
};

export type JurisdictionProperties = {
  id: string | number;
  code: string;
  name: string;
  nameUr: string | null;
  level: string;
  parentCode: string | null;
};

export type DistrictCollection = FeatureCollection<Polygon | MultiPolygon, JurisdictionProperties>;

export type PublicConfig = { basemapTileUrl: string | null };

export type Photo = { id: string; url: string };

export type ApiErrorBody = { error: { code: string; message: string; field?: string } };
