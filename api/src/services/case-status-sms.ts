import type { CaseState } from '../cases/case-states.js';

export interface StatusSmsContext {
  trackingCode: string;
  firNumber?: string;
  policeStation?: string;
  toDistrict?: { name: string; nameUr: string | null };
}

/**
 * The SMS that tells the reporter what the police did, in English and Urdu. It leaves out the close
 * reason and any note, which officers write freely and may name people.
 */
export function caseStatusSms(state: CaseState, context: StatusSmsContext): string {
  const code = context.trackingCode;
  switch (state) {
    case 'acknowledged':
      return `Talash ${code}: the police have received your report and are acting on it. پولیس نے آپ کی رپورٹ وصول کر لی ہے اور کارروائی کر رہی ہے۔`;
    case 'reporter_contacted':
      return (
        `Talash ${code}: the police recorded that they contacted you. If no officer has spoken to you, call 15 and give this code. ` +
        'پولیس کے مطابق آپ سے رابطہ ہو چکا ہے۔ اگر کسی افسر نے آپ سے بات نہیں کی تو 15 پر کال کریں اور یہ کوڈ بتائیں۔'
      );
    case 'fir_registered':
      return (
        `Talash ${code}: FIR ${context.firNumber} is registered at police station ${context.policeStation}. ` +
        `ایف آئی آر نمبر ${context.firNumber} تھانہ ${context.policeStation} میں درج ہو گئی ہے۔`
      );
    case 'investigating':
      return `Talash ${code}: the police are investigating. پولیس تفتیش کر رہی ہے۔`;
    case 'recovered':
      return `Talash ${code}: the police recorded the child as recovered. پولیس کے مطابق بچہ مل گیا ہے۔`;
    case 'closed':
      return `Talash ${code}: the police closed the case. پولیس نے کیس بند کر دیا ہے۔`;
    case 'transferred':
      return (
        `Talash ${code}: the case is transferred to ${context.toDistrict?.name} police. ` +
        `کیس ${context.toDistrict?.nameUr ?? context.toDistrict?.name} پولیس کو منتقل کر دیا گیا ہے۔`
      );
    case 'reported':
      return `Talash ${code}: your report is registered. آپ کی رپورٹ درج ہو گئی ہے۔`;
  }
}
