package extract

import (
	"github.com/leadflow/leadflow/internal/lead"
)

var (
	// lowUrgency: browsing, no hurry, next year. Negated urgency ("not urgent", "مو مستعجل") is
	// here too, and is blanked out before high cues are looked for.
	lowUrgency = words(`just browsing`, `just looking`, `browsing`, `no rush`, `no hurry`, `not urgent`,
		`not in a hurry`, `next year`, `not ready`, `maybe later`, `in a few months`, `someday`, `researching`,
		`just curious`, `no immediate`, `not a priority`, `ajale nist`, `sale dige`, `sale bad`,
		`تحقیق می`, `سال دیگه`, `سال دیگر`, `سال بعد`, `سال آینده`, `عجله‌ای نیست`, `عجله ای نیست`,
		`عجله‌ای ندار`, `فوری نیست`, `نیازی نیست`, `فعلاً فقط`, `فعلا فقط`, `بعداً`, `بعدا`,
		`مو مستعجل`, `مش مستعجل`, `مب مستعجل`, `غير مستعجل`, `ليس عاجل`, `مش ضروري`, `مو ضروري`,
		`السنة الجاية`, `السنة القادمة`, `السنة الجاي`, `العام القادم`, `العام المقبل`, `بس بتفرج`,
		`مجرد استفسار`, `بدون استعجال`, `على راحتكم`, `просто присматрива`, `просто смотр`,
		`следующем году`, `следующего года`, `следующий год`, `не срочно`, `не к спеху`, `пока просто`, `не спешим`, `в будущем`, `не раньше`,
		`随便看看`, `隨便看看`, `明年`, `不急`, `暂时不用`, `暫時不用`, `以后再说`, `以後再說`, `再说吧`, `再說吧`,
		`只是看看`, `acelesi yok`, `acil değil`, `seneye`, `gelecek yıl`, `sadece bakıyor`, `nächstes jahr`,
		`nur umschauen`, `keine eile`, `nicht dringend`, `eilt nicht`,
		// Negated high cues, which would otherwise be read as high: "не горит", "不着急", "nothing
		// urgent", "hiç acil değil", "kein Stress".
		`nothing urgent`, `no urgency`, `not in a rush`, `no pressure`, `not urgent at all`, `isn't urgent`,
		`is not urgent`, `not that urgent`, `not super urgent`, `не горит`, `несрочно`, `не очень срочно`,
		`不着急`, `不著急`, `不是很急`, `不太急`, `不用急`, `不用着急`, `不用著急`, `不赶`, `不趕`, `慢慢来`, `慢慢來`,
		`acelemiz yok`, `acele yok`, `acil bir durum yok`, `hiç acil değil`, `nicht eilig`, `kein stress`,
		`keine hektik`, `hat zeit`, `ضروری نیست`, `عجله نداریم`, `عجله ندارم`, `مو ضروري`, `ليس ضروري`,
		`مش مستعجلين`, `مو مستعجلين`, `غير ضروري`)
	// highUrgency: now, today, urgent, losing money.
	highUrgency = words(`urgent`, `asap\b`, `a\.s\.a\.p`, `as soon as possible`, `immediately`, `right away`,
		`right now`, `today`, `tonight`, `emergency`, `critical`, `losing money`, `losing bookings`,
		`losing customers`, `losing sales`, `losing orders`, `by tomorrow`, `by end of day`, `by end of the day`,
		`by end of week`, `by end of the week`, `by the end of the week`, `by the end of the day`, `fori`, `foori`, `ajale darim`, `emrooz`,
		`فوری`, `سریع`, `امروز`, `همین الان`, `هرچه زودتر`, `هر چه زودتر`, `عجله دارم`, `عجله داریم`, `ضروری`,
		`اورژانسی`, `همین هفته`, `عاجل`, `ضروري`, `فوراً`, `فورا`, `بسرعة`, `بأسرع`, `في أسرع`, `اليوم`,
		`النهارده`, `مستعجل`, `طارئ`, `срочн`, `как можно скорее`, `сегодня`, `немедленно`, `горит`, `尽快`,
		`盡快`, `紧急`, `緊急`, `急`, `马上`, `馬上`, `立刻`, `今天`, `今日`, `越快越好`, `acil`, `hemen`,
		`bugün`, `en kısa sürede`, `ivedi`, `dringend`, `sofort`, `heute`, `schnellstmöglich`,
		`so schnell wie möglich`, `eilig`)
	// normalUrgency: a plan with a date that is not pressing.
	normalUrgency = words(`next week`, `next month`, `this month`, `in a few weeks`, `هفته بعد`, `هفته آینده`,
		`ماه بعد`, `الأسبوع القادم`, `الأسبوع الجاي`, `الشهر الجاي`, `на следующей неделе`, `в этом месяце`,
		`下周`, `下週`, `下個禮拜`, `下个星期`, `下個星期`, `haftaya`, `gelecek hafta`, `nächste woche`)
)

// urgency reads how soon the customer wants to act. High beats low (an urgent need mentioned
// beside a vague plan is still urgent); without any cue a concrete request is "normal".
func (c *conversation) urgency(intent lead.Field[lead.Intent]) lead.Field[lead.Urgency] {
	var lowEv, normalEv string
	for _, m := range c.msgs {
		text, lower := m.trustedText(), m.trustedLower()
		lows := lowUrgency.All(text, lower)
		if len(lows) > 0 && lowEv == "" {
			lowEv = m.sentenceEvidence(lows[0][0], lows[0][1])
		}
		rest, restLower := maskSpans(text, toSpans(lows)), maskSpans(lower, toSpans(lows))
		if loc := highUrgency.First(rest, restLower); loc != nil {
			return lead.Set(lead.UrgencyHigh, 0.8, m.sentenceEvidence(loc[0], loc[1]), lead.SourceRules)
		}
		if loc := normalUrgency.First(rest, restLower); loc != nil && normalEv == "" {
			normalEv = m.sentenceEvidence(loc[0], loc[1])
		}
	}
	switch {
	case lowEv != "":
		return lead.Set(lead.UrgencyLow, 0.7, lowEv, lead.SourceRules)
	case normalEv != "":
		return lead.Set(lead.UrgencyNormal, 0.65, normalEv, lead.SourceRules)
	case intent.Known() && intent.Confidence > 0.3:
		return lead.Set(lead.UrgencyNormal, 0.35, "", lead.SourceRules)
	}
	return lead.Field[lead.Urgency]{}
}

func toSpans(locs [][]int) [][2]int {
	out := make([][2]int, len(locs))
	for i, l := range locs {
		out[i] = [2]int{l[0], l[1]}
	}
	return out
}
