// The page language: which messages to show, the text direction and the Intl locale for numbers and
// times. The choice is kept in localStorage so a dispatcher's next visit opens in the same language.
import { ApiError } from '../api/client';
import { en, type Messages } from './en';
import { ur } from './ur';

export type Language = 'en' | 'ur';

const STORAGE_KEY = 'talash.language';

function readStoredLanguage(): Language {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'ur' ? 'ur' : 'en';
  } catch {
    // Storage can be unavailable (private mode, blocked cookies), so English is the default then.
    return 'en';
  }
}

class Locale {
  language = $state<Language>(readStoredLanguage());

  get messages(): Messages {
    return this.language === 'ur' ? ur : en;
  }

  get direction(): 'ltr' | 'rtl' {
    return this.language === 'ur' ? 'rtl' : 'ltr';
  }

  /**
   * Separator between short facts on one line. In Nastaliq a middle dot reads like the Urdu zero
   * (۰), so Urdu uses the Arabic comma.
   */
  get separator(): string {
    return this.language === 'ur' ? '، ' : ' · ';
  }

  // Urdu text is shown with Extended Arabic-Indic digits (۰۱۲…), as printed Urdu uses them.
  get intlLocale(): string {
    return this.language === 'ur' ? 'ur-PK-u-nu-arabext' : 'en-PK';
  }

  setLanguage(language: Language): void {
    this.language = language;
    try {
      localStorage.setItem(STORAGE_KEY, language);
    } catch {
      // The choice then lasts only for this page load.
    }
  }

  formatNumber(value: number): string {
    return new Intl.NumberFormat(this.intlLocale).format(value);
  }

  // The localised name of a jurisdiction, falling back to English where no Urdu name is known.
  jurisdictionName(place: { name: string; nameUr: string | null }): string {
    if (this.language === 'ur' && place.nameUr) return place.nameUr;
    return place.name;
  }

  errorMessage(error: unknown): string {
    const errors = this.messages.errors;
    if (error instanceof ApiError) return errors[error.code] ?? errors.generic;
    return errors.generic;
  }
}

export const locale = new Locale();
