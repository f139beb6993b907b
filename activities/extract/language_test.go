package extract

import "testing"

func TestLanguage(t *testing.T) {
	tests := []struct {
		name   string
		locale string
		msgs   []string
		want   string
	}{
		{"english", "", []string{"Hi, I'd like to know the price of your product for our team"}, "en"},
		{"persian", "", []string{"سلام، قیمت محصولتون چنده؟ ما یه فروشگاه داریم"}, "fa"},
		{"persian short", "", []string{"ممنون، منتظر تماس هستم"}, "fa"},
		{"arabic", "", []string{"مرحبا، كم سعر الباقة الشهرية؟"}, "ar"},
		{"egyptian arabic", "", []string{"عايز أعرف السعر كام لو سمحت"}, "ar"},
		{"russian", "", []string{"Здравствуйте, сколько стоит подписка на год?"}, "ru"},
		{"ukrainian", "", []string{"Добрий день, скільки коштує підписка? Ми з Києва, є питання."}, "uk"},
		{"chinese", "", []string{"你好，请问价格是多少？"}, "zh"},
		{"cantonese", "", []string{"你好，我想問下幾錢？"}, "zh"},
		{"japanese", "", []string{"こんにちは、価格を教えてください"}, "ja"},
		{"korean", "", []string{"안녕하세요, 가격이 궁금합니다"}, "ko"},
		{"hebrew", "", []string{"שלום, כמה זה עולה?"}, "he"},
		{"greek", "", []string{"Γεια σας, πόσο κοστίζει;"}, "el"},
		{"thai", "", []string{"สวัสดีครับ ราคาเท่าไหร่"}, "th"},
		{"hindi", "", []string{"नमस्ते, इसकी कीमत क्या है?"}, "hi"},
		{"turkish", "", []string{"Merhaba, fiyatı ne kadar acaba? Bilgi almak istiyorum"}, "tr"},
		{"german", "", []string{"Hallo, ich hätte gerne ein Angebot für Ihre Software, bitte"}, "de"},
		{"french", "", []string{"Bonjour, je voudrais connaître le prix de votre logiciel"}, "fr"},
		{"spanish", "", []string{"Hola, quiero saber el precio por favor"}, "es"},
		{"portuguese", "", []string{"Olá, gostaria de saber o preço, obrigado"}, "pt"},
		{"italian", "", []string{"Ciao, vorrei sapere il prezzo, grazie"}, "it"},
		{"dutch", "", []string{"Hallo, ik wil graag weten wat het kost, bedankt"}, "nl"},
		{"indonesian", "", []string{"Halo, saya mau tanya harga untuk paket ini"}, "id"},
		{"finglish", "", []string{"salam, mikhastam gheymat ro bedunam"}, "fa"},
		{"finglish long", "", []string{"Salam vaght bekheir, baraye sherkat ye chatbot mikhaym, chande?"}, "fa"},
		{"arabizi", "", []string{"ezayak, ana 3ayez a3raf el se3r beta3 el package"}, "ar"},
		{"russian with english words", "", []string{"Привет! Нужен chatbot для onboarding клиентов, можно demo?"}, "ru"},
		{"chinese with english words", "", []string{"Hi，我们想做 Shopify + WhatsApp 的 chatbot integration，能给个报价吗？"}, "zh"},
		{"arabic with english signature", "", []string{"مرفق لكم الطلب، نرجو إرسال الفاتورة.\n\nBest regards,\nAhmed"}, "ar"},
		{"only a phone falls back to locale", "fa-IR", []string{"۰۹۱۲ ۳۴۵ ۶۷۸۹"}, "fa"},
		{"only an email falls back to locale", "ru-RU", []string{"ivan@mail.example"}, "ru"},
		{"emoji falls back to locale", "ar-EG", []string{"👍"}, "ar"},
		{"nothing and no locale", "", []string{"12345"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Messages: chat(tt.msgs...), Locale: tt.locale}
			f := Rules(in).Language
			if got := valueOf(f); got != tt.want {
				t.Fatalf("language = %q (confidence %.2f), want %q", got, f.Confidence, tt.want)
			}
			checkEvidence(t, "language", f, in)
		})
	}
}

func TestLanguageIgnoresBot(t *testing.T) {
	in := Input{Messages: chat("bot: Здравствуйте! Чем могу помочь?", "Hi, what does the Pro plan cost?")}
	if got := valueOf(Rules(in).Language); got != "en" {
		t.Fatalf("language = %q, want en", got)
	}
}
