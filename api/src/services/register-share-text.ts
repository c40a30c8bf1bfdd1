// The words that share a child's register page outside Talash: the Open Graph and Twitter tags and the
// preview image, in English or Urdu. They carry the register card's facts and nothing more.

export type ShareLanguage = 'en' | 'ur';

/** The facts a share shows: what the public register card shows. */
export interface SharedChild {
  name: string;
  age: number;
  sex: string;
  district: { name: string; nameUr: string | null } | null;
  /** The calendar day last seen, YYYY-MM-DD. */
  lastSeenOn: string;
}

export interface RegisterShareText {
  /** Open Graph locale of this text and of the other language's page. */
  locale: string;
  alternateLocale: string;
  title: string;
  description: string;
  imageAlt: string;
  /** The preview image's lines, top to bottom. */
  image: {
    heading: string;
    childLine: string;
    lastSeenLine: string;
    districtLine: string;
    callToAction: string;
  };
}

const SEX_WORDS: Record<ShareLanguage, Record<string, string>> = {
  en: { female: 'girl', male: 'boy', other: 'child', unknown: 'child' },
  ur: { female: 'لڑکی', male: 'لڑکا', other: 'بچہ', unknown: 'بچہ' },
};

/** Reads the `lang` query parameter of a shared link: `ur` selects Urdu, anything else English. */
export function shareLanguage(value: unknown): ShareLanguage {
  return value === 'ur' ? 'ur' : 'en';
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Formats the YYYY-MM-DD day as Urdu print does, with Extended Arabic-Indic digits. */
function urduDay(day: string): string {
  return new Intl.DateTimeFormat('ur-PK-u-nu-arabext', { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(`${day}T12:00:00Z`),
  );
}

export function registerShareText(child: SharedChild, language: ShareLanguage): RegisterShareText {
  if (language === 'ur') return urduShareText(child);

  const sex = SEX_WORDS.en[child.sex] ?? 'child';
  const district = child.district?.name ?? 'Pakistan';
  return {
    locale: 'en_PK',
    alternateLocale: 'ur_PK',
    title: `Missing: ${child.name}, ${child.age}`,
    description: `Missing ${sex}, ${child.age} years, last seen ${child.lastSeenOn} in ${district}. Have you seen this child? Tell the police on Talash.`,
    imageAlt: `Photo of ${child.name}`,
    image: {
      heading: 'MISSING CHILD',
      childLine: `${capitalise(sex)}, ${child.age} years`,
      lastSeenLine: `Last seen ${child.lastSeenOn}`,
      districtLine: child.district ? `${district} district` : district,
      callToAction: 'Seen this child? Tell the police on Talash.',
    },
  };
}

function urduShareText(child: SharedChild): RegisterShareText {
  const sex = SEX_WORDS.ur[child.sex] ?? 'بچہ';
  const age = new Intl.NumberFormat('ur-PK-u-nu-arabext').format(child.age);
  const district = child.district ? (child.district.nameUr ?? child.district.name) : 'پاکستان';
  const day = urduDay(child.lastSeenOn);
  const callToAction = 'کیا آپ نے اس بچے کو دیکھا ہے؟ تلاش پر پولیس کو بتائیں۔';
  return {
    locale: 'ur_PK',
    alternateLocale: 'en_PK',
    title: `گمشدہ: ${child.name}، ${age} سال`,
    description: `گمشدہ ${sex}، ${age} سال، آخری بار ${day} کو ${district} میں دیکھا گیا۔ ${callToAction}`,
    imageAlt: `${child.name} کی تصویر`,
    image: {
      heading: 'گمشدہ بچہ',
      childLine: `${sex}، ${age} سال`,
      lastSeenLine: `آخری بار ${day} کو دیکھا گیا`,
      districtLine: child.district ? `ضلع ${district}` : district,
      callToAction,
    },
  };
}
