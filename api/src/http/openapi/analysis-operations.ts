import { recordedIncidentInput } from '../../analysis/incident-fields.js';
import {
  clusterQuery,
  countsQuery,
  densityQuery,
  exportQuery,
  filterQuery,
  hotspotQuery,
  knoxQuery,
} from '../routes/analysis-routes.js';
import { importQuery } from '../routes/incident-routes.js';
import type { Operation } from './openapi-document.js';

/** The incident and analysis routes, for the OpenAPI description. */
export const ANALYSIS_OPERATIONS: Operation[] = [
  {
    method: 'post',
    path: '/api/incidents',
    who: 'case roles',
    summary: "Record an abuse incident in the officer's jurisdiction; 201 with id and district.",
    body: recordedIncidentInput,
    responses: { '201': 'Stored.' },
  },
  {
    method: 'post',
    path: '/api/incidents/imports',
    who: 'analysis roles',
    summary:
      'Load historical incidents: the body is the file (text/csv or application/geo+json). Every row is checked; 422 INVALID_ROWS lists each invalid row and nothing is loaded, unless skipInvalid=true.',
    query: importQuery,
    responses: { '201': 'Loaded.', '422': 'Invalid rows; nothing loaded.' },
  },
  {
    method: 'get',
    path: '/api/analysis/tiles/{z}/{x}/{y}.mvt',
    who: 'anyone',
    summary:
      'Mapbox vector tile (layer incidents). Analysts: clusters below zoom 13, single incidents from 13. Public: missing-child cases only, rounded to 0.01°, counts only.',
    query: filterQuery,
  },
  {
    method: 'get',
    path: '/api/analysis/counts',
    who: 'analysis roles',
    summary: 'Incident counts per district, region or province.',
    query: countsQuery,
  },
  {
    method: 'get',
    path: '/api/analysis/hotspots',
    who: 'analysis roles',
    summary:
      'Getis-Ord Gi* on a hexagon grid with Benjamini-Hochberg FDR classes; format=csv or geojson exports it (audited).',
    query: hotspotQuery,
  },
  {
    method: 'get',
    path: '/api/analysis/density',
    who: 'analysis roles',
    summary: 'Quartic kernel density grid in incidents per km².',
    query: densityQuery,
  },
  {
    method: 'get',
    path: '/api/analysis/clusters',
    who: 'analysis roles',
    summary: 'Space-time clusters by ST_ClusterDBSCAN over place, then time.',
    query: clusterQuery,
  },
  {
    method: 'get',
    path: '/api/analysis/knox',
    who: 'analysis roles',
    summary: 'Knox near-repeat test with a seeded Monte Carlo p-value.',
    query: knoxQuery,
  },
  {
    method: 'get',
    path: '/api/analysis/trends',
    who: 'analysis roles',
    summary: 'Counts by month, day of week and hour (Pakistan Standard Time).',
    query: filterQuery,
  },
  {
    method: 'get',
    path: '/api/analysis/rates',
    who: 'analysis roles',
    summary:
      'Incidents per district per month, and per 100,000 residents where the district has a population (else per 1,000 km²).',
    query: filterQuery,
  },
  {
    method: 'get',
    path: '/api/analysis/recovery',
    who: 'analysis roles',
    summary: 'Median hours from report to recovery per district.',
    query: filterQuery,
  },
  {
    method: 'get',
    path: '/api/analysis/compliance',
    who: 'analysis roles',
    summary: 'FIR (2 h) and reporter contact (24 h) deadline compliance per district.',
    query: filterQuery,
  },
  {
    method: 'get',
    path: '/api/analysis/export',
    who: 'analysis roles',
    summary: 'The filtered incidents as CSV or GeoJSON (audited).',
    query: exportQuery,
  },
];
