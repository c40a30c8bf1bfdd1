// Types for robust-point-in-polygon 1.0.3, which ships none.
declare module 'robust-point-in-polygon' {
  /**
   * Classifies a point against one loop of vertices with exact arithmetic: -1 inside, 0 on the
   * boundary, 1 outside. It takes a single loop, so a polygon's holes must be tested separately.
   */
  export default function classifyPoint(
    loop: ArrayLike<ArrayLike<number>>,
    point: ArrayLike<number>,
  ): -1 | 0 | 1;
}
