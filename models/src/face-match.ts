/**
 * Cosine similarity of two unit descriptors at or above which a gallery face is shown as a
 * possible match. A match is a lead for a person to confirm, never an identification.
 */
export const FACE_MATCH_THRESHOLD = 0.93;
