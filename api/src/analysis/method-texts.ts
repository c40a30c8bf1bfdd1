/** The explanation of a statistic's method, shown next to its result, in English and Urdu. */
export interface MethodText {
  en: string;
  ur: string;
}

export function hotspotMethod(cellSize: number, cellCount: number): MethodText {
  const km = cellSize / 1000;
  return {
    en:
      `Getis-Ord Gi* hotspot analysis on a grid of ${cellCount} hexagons with ${km} km sides (PostGIS ST_HexagonGrid). ` +
      'Each cell is compared with its six touching neighbours and itself (binary weights); Gi* is a z-score of how far ' +
      'their total lies above or below what the national mean would give. Two-sided p-values are corrected for testing ' +
      'every cell at once with the Benjamini-Hochberg false-discovery-rate procedure; a cell is marked hot or cold at ' +
      '99, 95 or 90% confidence when it passes at a false-discovery rate of 1, 5 or 10%.',
    ur:
      `گیٹس-آرڈ Gi* ہاٹ اسپاٹ تجزیہ، ${cellCount} مسدس خانوں کے گرڈ پر جن کا ہر ضلع ${km} کلومیٹر ہے۔ ` +
      'ہر خانے کا موازنہ اس کے چھ ملحقہ خانوں اور خود اس کے ساتھ کیا جاتا ہے؛ Gi* ایک z-اسکور ہے جو بتاتا ہے کہ ان کا مجموعہ ' +
      'قومی اوسط سے کتنا زیادہ یا کم ہے۔ تمام خانوں کی بیک وقت جانچ کے لیے p-قدروں کو بنیامینی-ہوخبرگ طریقے سے درست کیا جاتا ہے؛ ' +
      'کوئی خانہ 1، 5 یا 10 فیصد غلط دریافت کی شرح پر کامیاب ہو تو اسے 99، 95 یا 90 فیصد اعتماد کے ساتھ گرم یا سرد نشان زد کیا جاتا ہے۔',
  };
}

export function densityMethod(bandwidth: number, cellSize: number): MethodText {
  return {
    en:
      `Kernel density with the quartic (biweight) kernel and a bandwidth of ${bandwidth / 1000} km, evaluated at the ` +
      `centres of ${cellSize / 1000} km cells. Each incident spreads one unit over a disc of the bandwidth's radius, ` +
      'highest at its place and falling to zero at the edge; the surface is in incidents per km². Incidents closer than ' +
      'a tenth of a cell are merged first, which moves none by more than that.',
    ur:
      `کوارٹک کرنل کے ساتھ کرنل ڈینسٹی، بینڈ وڈتھ ${bandwidth / 1000} کلومیٹر، ${cellSize / 1000} کلومیٹر کے خانوں کے مراکز پر۔ ` +
      'ہر واقعہ بینڈ وڈتھ کے رداس والی دائرے پر ایک اکائی پھیلاتا ہے، اپنی جگہ پر سب سے زیادہ اور کنارے پر صفر؛ ' +
      'نتیجہ فی مربع کلومیٹر واقعات میں ہے۔',
  };
}

export function clusterMethod(distance: number, days: number, minPoints: number): MethodText {
  return {
    en:
      `Space-time clusters by DBSCAN (PostGIS ST_ClusterDBSCAN) in two passes: places within ${distance} m of each other ` +
      `form spatial clusters of at least ${minPoints} incidents, then each spatial cluster is split by time, with ` +
      `incidents within ${days} days of each other and again at least ${minPoints} together. Incidents in no cluster are noise.`,
    ur:
      `ڈی بی اسکین (ST_ClusterDBSCAN) کے ذریعے مکان و زمان کے جھرمٹ، دو مرحلوں میں: ${distance} میٹر کے اندر کی جگہیں ` +
      `کم از کم ${minPoints} واقعات کے مکانی جھرمٹ بناتی ہیں، پھر ہر جھرمٹ کو وقت سے تقسیم کیا جاتا ہے، ${days} دن کے اندر ` +
      `اور پھر کم از کم ${minPoints} واقعات۔ کسی جھرمٹ میں نہ آنے والے واقعات شور ہیں۔`,
  };
}

export function knoxMethod(distance: number, days: number, permutations: number, seed: number): MethodText {
  return {
    en:
      `Knox test for near-repeats: X counts the pairs of incidents within ${distance} m and ${days} days of each other. ` +
      `Its p-value comes from ${permutations} random shuffles of the times over the places (seed ${seed}): ` +
      'the share of shuffles with at least as many such pairs, counting the observed data as one. A small p-value means ' +
      'incidents close in place are also close in time more often than chance would give.',
    ur:
      `قریبی تکرار کے لیے ناکس ٹیسٹ: X ان جوڑوں کی گنتی ہے جو ${distance} میٹر اور ${days} دن کے اندر ہوں۔ ` +
      `p-قدر ${permutations} بے ترتیب ردوبدل سے آتی ہے (بیج ${seed}): ان ردوبدل کا حصہ جن میں اتنے یا زیادہ جوڑے ہوں۔ ` +
      'چھوٹی p-قدر کا مطلب ہے کہ جگہ میں قریب واقعات اتفاق سے زیادہ وقت میں بھی قریب ہیں۔',
  };
}

export function trendMethod(): MethodText {
  return {
    en:
      'Counts of the filtered incidents by calendar month, by day of the week and by hour of the day, in Pakistan ' +
      'Standard Time (UTC+5). Missing-child cases count at the time the child was last seen.',
    ur:
      'فلٹر شدہ واقعات کی گنتی مہینے، ہفتے کے دن اور دن کے گھنٹے کے لحاظ سے، پاکستان کے معیاری وقت میں۔ ' +
      'گمشدہ بچوں کے کیس اس وقت پر گنے جاتے ہیں جب بچہ آخری بار دیکھا گیا۔',
  };
}

/** How many districts the rates divide by population and by area, and the years of the population figures. */
export interface RateBases {
  withPopulation: number;
  withoutPopulation: number;
  years: number[];
}

export function rateMethod(months: number, bases: RateBases): MethodText {
  const total = bases.withPopulation + bases.withoutPopulation;
  const yearsEn =
    bases.years.length > 0
      ? `population figures of ${bases.years.join(', ')}`
      : 'year of the figures not given';
  const yearsUr =
    bases.years.length > 0 ? `آبادی کے اعداد ${bases.years.join('، ')} کے` : 'اعداد کا سال درج نہیں';
  const areaEn = 'which does not account for how many children live there';
  const areaUr = 'جو وہاں رہنے والے بچوں کی تعداد کو شامل نہیں کرتی';
  let en: string;
  let ur: string;
  if (bases.withPopulation === 0) {
    en = `The rate is per 1,000 km² of each district's area, because no boundary import gave a population, ${areaEn}.`;
    ur = `شرح ہر ضلع کے رقبے کے فی 1,000 مربع کلومیٹر ہے، کیونکہ کسی ضلع کی حدود کے ساتھ آبادی درج نہیں ہوئی، ${areaUr}۔`;
  } else if (bases.withoutPopulation === 0) {
    en = `The rate is per 100,000 residents of each district (${yearsEn}).`;
    ur = `شرح ہر ضلع کے فی ایک لاکھ (100,000) باشندے ہے (${yearsUr})۔`;
  } else {
    en =
      `The rate is per 100,000 residents for the districts whose boundary import gave a population ` +
      `(${bases.withPopulation} of ${total}; ${yearsEn}), and per 1,000 km² of area for the others, ${areaEn}.`;
    ur =
      `جن اضلاع کی حدود کے ساتھ آبادی درج ہوئی (${total} میں سے ${bases.withPopulation}؛ ${yearsUr})، ان کی شرح فی ایک لاکھ ` +
      `(100,000) باشندے ہے، اور باقی اضلاع کی شرح رقبے کے فی 1,000 مربع کلومیٹر، ${areaUr}۔`;
  }
  return {
    en: `Incidents per district and per month over ${months} months. ${en}`,
    ur: `ہر ضلع میں واقعات اور ${months} مہینوں میں فی مہینہ۔ ${ur}`,
  };
}

export function recoveryMethod(): MethodText {
  return {
    en:
      'Median hours from the report to the first move of the case to "recovered" on its timeline, over the recovered ' +
      'cases reported in the time window; open cases are not counted.',
    ur: 'رپورٹ سے کیس کے "بازیاب" ہونے تک گھنٹوں کا وسطانیہ، صرف بازیاب کیسوں پر؛ کھلے کیس شامل نہیں۔',
  };
}

export function complianceMethod(firHours: number, contactHours: number): MethodText {
  return {
    en:
      `Deadline compliance per district: the FIR is due within ${firHours} hours of the report and contact with the ` +
      `reporter within ${contactHours} hours, taken from the first such move on the case timeline. A case past the ` +
      'deadline without the move is missing; one still inside it is pending.',
    ur:
      `ضلع وار ڈیڈ لائن کی پابندی: ایف آئی آر رپورٹ کے ${firHours} گھنٹے کے اندر اور رپورٹ کنندہ سے رابطہ ${contactHours} ` +
      'گھنٹے کے اندر۔ ڈیڈ لائن گزرنے پر بھی قدم نہ اٹھایا گیا ہو تو "غائب"، ابھی وقت باقی ہو تو "زیر التوا"۔',
  };
}
