// Type declarations for the parts of wkx 0.5 that the readers use; the package ships none.
declare module 'wkx' {
  export class Geometry {
    srid?: number;
    static parse(value: string | Buffer): Geometry;
    static parseGeoJSON(value: object): Geometry;
    toWkb(): Buffer;
    toGeoJSON(): object;
  }
  const wkx: { Geometry: typeof Geometry };
  export default wkx;
}
