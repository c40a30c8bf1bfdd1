import type { DeadlineDuty, EscalationLevel } from '../cases/deadlines.js';

/** A plain line for the reporter's tracking page, in English and Urdu. */
export interface TimelineText {
  en: string;
  ur: string;
}

const TEXT: Record<EscalationLevel, Record<DeadlineDuty, TimelineText>> = {
  RPO: {
    fir: {
      en: 'The police did not register the FIR in time. The case went to the Regional Police Officer.',
      ur: 'پولیس نے مقررہ وقت میں ایف آئی آر درج نہیں کی۔ کیس ریجنل پولیس افسر کو بھیج دیا گیا ہے۔',
    },
    contact: {
      en: 'The police did not contact you in time. The case went to the Regional Police Officer.',
      ur: 'پولیس نے مقررہ وقت میں آپ سے رابطہ نہیں کیا۔ کیس ریجنل پولیس افسر کو بھیج دیا گیا ہے۔',
    },
  },
  IG: {
    fir: {
      en: 'The FIR was still not registered. The case went to the Inspector General of Police.',
      ur: 'ایف آئی آر اب بھی درج نہیں ہوئی۔ کیس انسپکٹر جنرل پولیس کو بھیج دیا گیا ہے۔',
    },
    contact: {
      en: 'The police had still not contacted you. The case went to the Inspector General of Police.',
      ur: 'پولیس نے اب تک آپ سے رابطہ نہیں کیا۔ کیس انسپکٹر جنرل پولیس کو بھیج دیا گیا ہے۔',
    },
  },
};

/**
 * Builds the public timeline entry of a missed deadline: an event code (`deadline-missed-fir`,
 * `deadline-escalated-contact`, …) and its plain line. It names no officer and no district.
 */
export function deadlineTimelineEntry(
  duty: DeadlineDuty,
  level: EscalationLevel,
  at: Date,
): { event: string; at: string; line: TimelineText } {
  const event = `${level === 'RPO' ? 'deadline-missed' : 'deadline-escalated'}-${duty}`;
  return { event, at: at.toISOString(), line: TEXT[level][duty] };
}
