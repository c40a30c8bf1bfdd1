// Types for polylabel 2.1, which ships none: the pole of inaccessibility of a polygon given as rings.
declare module 'polylabel' {
  export default function polylabel(
    polygon: number[][][],
    precision?: number,
    debug?: boolean,
  ): [number, number] & { distance: number };
}
