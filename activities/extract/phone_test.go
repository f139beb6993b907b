package extract

import (
	"testing"

	"github.com/leadflow/leadflow/internal/lead"
)

func TestPhone(t *testing.T) {
	tests := []struct {
		name    string
		country string
		locale  string
		sender  *lead.Sender
		msgs    []lead.Message
		want    string // "" when no phone
		source  lead.Source
	}{
		{name: "us parentheses", country: "US", msgs: chat("You can reach me at (650) 253-0000 after 5pm."), want: "+16502530000"},
		{name: "us dots", country: "US", msgs: chat("call me on 650.253.0000 pls"), want: "+16502530000"},
		{name: "persian digits", country: "IR", msgs: chat("شماره من ۰۹۱۲ ۳۴۵ ۶۷۸۹ هست"), want: "+989123456789"},
		{name: "arabic-indic digits", country: "IR", msgs: chat("٠٩١٢٣٤٥٦٧٨٩"), want: "+989123456789"},
		{name: "fullwidth digits", country: "CN", msgs: chat("我的电话：１３９１２３４５６７８"), want: "+8613912345678"},
		{name: "international with trunk zero", country: "US", msgs: chat("Tel: +44 (0)20 7946 0958"), want: "+442079460958"},
		{name: "russia eight prefix", country: "RU", msgs: chat("Мой телефон 8 (903) 123-45-67"), want: "+79031234567"},
		{name: "uae national", country: "AE", msgs: chat("رقمي 050 123 4567"), want: "+971501234567"},
		{name: "saudi national", country: "SA", msgs: chat("جوالي 0551234567"), want: "+966551234567"},
		{name: "egypt national", country: "EG", msgs: chat("رقمي ٠١٠١٢٣٤٥٦٧٨"), want: "+201012345678"},
		{name: "china dashes", country: "CN", msgs: chat("手机 138-1234-5678"), want: "+8613812345678"},
		{name: "hong kong eight digits", country: "HK", msgs: chat("電話 9876 5432"), want: "+85298765432"},
		{name: "uk mobile", country: "GB", msgs: chat("my mobile is 07400 123456"), want: "+447400123456"},
		{name: "turkey", country: "TR", msgs: chat("Telefonum 0532 123 45 67"), want: "+905321234567"},
		{name: "germany", country: "DE", msgs: chat("Sie erreichen mich unter 0151 23456789"), want: "+4915123456789"},
		{name: "double zero prefix", country: "US", msgs: chat("WhatsApp: 0098 912 345 6789"), want: "+989123456789"},
		{name: "extension dropped", country: "US", msgs: chat("Office: +1 650-253-0000 ext. 123"), want: "+16502530000"},
		{name: "locale region when no country", locale: "fa-IR", msgs: chat("۰۹۱۲۳۴۵۶۷۸۹"), want: "+989123456789"},
		{name: "fallback region from locale language", country: "AE", locale: "fa", msgs: chat("شمارم ۰۹۱۲۳۴۵۶۷۸۹"), want: "+989123456789"},
		{name: "country code without plus", country: "US", msgs: chat("my phone 98 912 345 6789"), want: "+989123456789"},
		// Brazil added a ninth digit to mobiles; people (and old WhatsApp ids) still use the eight-digit
		// form, which libphonenumber rejects. Both read as the nine-digit number the matcher keys.
		{name: "brazil eight-digit mobile", country: "BR", msgs: chat("meu celular é (21) 8765-0033"), want: "+5521987650033"},
		{name: "brazil nine-digit mobile", country: "BR", msgs: chat("meu celular é (21) 98765-0033"), want: "+5521987650033"},
		{name: "brazil old whatsapp id", country: "BR", sender: &lead.Sender{Phone: ptr("551173421180")},
			msgs: chat("oi, quero um orçamento"), want: "+5511973421180", source: lead.SourceChannel},

		{name: "order number", country: "US", msgs: chat("My order number is 2025550123, where is it?")},
		{name: "order hash", country: "US", msgs: chat("Order #2025550123 has not arrived")},
		{name: "account id", country: "US", msgs: chat("Account ID 202-555-0123 is locked")},
		{name: "persian order number", country: "IR", msgs: chat("شماره سفارش: ۰۹۱۲۳۴۵۶۷۸۹")},
		{name: "arabic order number", country: "EG", msgs: chat("رقم الطلب ٠١٠١٢٣٤٥٦٧٨ متأخر")},
		{name: "chinese order number", country: "CN", msgs: chat("订单号 13812345678 还没发货")},
		{name: "postal code", country: "IR", msgs: chat("کد پستی ۱۹۳۹۵۴۷۶۱۱")},
		{name: "date", country: "US", msgs: chat("Can we meet on 2024-11-05 at 14:30?")},
		{name: "date dots", country: "DE", msgs: chat("Termin am 05.11.2024 um 14:30")},
		{name: "year range", country: "HK", msgs: chat("We used it 2019-2024")},
		{name: "price in rubles", country: "RU", msgs: chat("Бюджет 1 500 000 руб")},
		{name: "price in toman", country: "IR", msgs: chat("قیمتش ۱۲۰۰۰۰۰۰ تومنه؟")},
		{name: "product code", country: "US", msgs: chat("Model HX-2025550123 is broken")},
		{name: "persian date", country: "IR", msgs: chat("تاریخ ۱۴۰۳-۰۸-۲۲ ساعت ۱۰")},
		{name: "ip address", country: "US", msgs: chat("server 192.168.100.120 is down")},
		{name: "isbn", country: "US", msgs: chat("ISBN 978-3-16-148410-0")},
		{name: "street address and zip", country: "US", msgs: chat("Ship to 1600 Amphitheatre Parkway, Mountain View, CA 94043")},
		{name: "card number", country: "IR", msgs: chat("شماره کارت ۶۰۳۷ ۹۹۱۷ ۱۲۳۴ ۵۶۷۸")},
		{name: "money with code before", country: "US", msgs: chat("budget USD 2025550123")},
		{name: "bot number only", country: "GB", msgs: chat("bot: call us on 020 7946 0000", "ok thanks")},
		{name: "agent number only", country: "GB", msgs: chat("agent: my direct line is 07700 900123", "great")},

		{name: "correction wins", country: "IR", msgs: chat("۰۹۱۲ ۱۱۱ ۲۲۲۲", "ببخشید اشتباه شد، ۰۹۱۲ ۱۱۱ ۳۳۳۳"), want: "+989121113333"},
		{name: "english correction", country: "GB", msgs: chat("07400 123456", "sorry, it's 07400 123789"), want: "+447400123789"},
		{name: "russian correction", country: "RU", msgs: chat("+7 903 123-45-67", "поправка: +7 903 123-45-76"), want: "+79031234576"},
		{name: "old and new in one message", country: "RU", msgs: chat("старый номер 8 903 111-22-33 уже не актуален, новый 8 903 444-55-66"), want: "+79034445566"},
		{name: "call me on mobile", country: "IR", msgs: chat("تلفن دفتر ۰۲۱-۸۸۸۸۷۷۷۷ ولی لطفاً با موبایلم تماس بگیرید ۰۹۱۲۳۴۵۶۷۸۹"), want: "+989123456789"},
		{name: "mobile over office", country: "AE", msgs: chat("Office 04 330 5566, mobile 050 123 4567"), want: "+971501234567"},
		{name: "prefers office over sender", country: "AE", sender: &lead.Sender{Phone: ptr("971501234567")},
			msgs: chat("better call my office 04 330 5566 during work hours"), want: "+97143305566"},

		{name: "sender fallback", country: "GB", sender: &lead.Sender{Phone: ptr("447400123456")},
			msgs: chat("Hi, is the Pro plan available?"), want: "+447400123456", source: lead.SourceChannel},
		{name: "sender with plus", sender: &lead.Sender{Phone: ptr("+85261234567")},
			msgs: chat("你好"), want: "+85261234567", source: lead.SourceChannel},
		{name: "national sender number", country: "GB", sender: &lead.Sender{Phone: ptr("07400 123456")},
			msgs: chat("hello"), want: "+447400123456", source: lead.SourceChannel},
		{name: "invalid sender", sender: &lead.Sender{Phone: ptr("12")}, msgs: chat("hello")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Messages: tt.msgs, Country: tt.country, Locale: tt.locale, Sender: tt.sender}
			f := Rules(in).Phone
			if got := valueOf(f); got != tt.want {
				t.Fatalf("phone = %q (evidence %q), want %q", got, f.Evidence, tt.want)
			}
			if tt.want == "" {
				return
			}
			want := tt.source
			if want == "" {
				want = lead.SourceRules
			}
			if f.Source != want {
				t.Errorf("source = %q, want %q", f.Source, want)
			}
			if f.Confidence <= 0 || f.Confidence > 1 {
				t.Errorf("confidence = %v", f.Confidence)
			}
			checkEvidence(t, "phone", f, in)
		})
	}
}

func TestPhoneConfidenceFollowsCues(t *testing.T) {
	bare := Rules(Input{Country: "IR", Messages: chat("سلام", "۰۹۱۲۳۴۵۶۷۸۹ ۱۲ نفر")}).Phone
	cued := Rules(Input{Country: "IR", Messages: chat("شماره موبایلم ۰۹۱۲۳۴۵۶۷۸۹ هست، تماس بگیرید")}).Phone
	if !bare.Known() || !cued.Known() {
		t.Fatalf("bare %v, cued %v", bare.Value, cued.Value)
	}
	if cued.Confidence <= bare.Confidence {
		t.Errorf("cued confidence %v should beat bare %v", cued.Confidence, bare.Confidence)
	}
}

func TestPhoneBusinessNumbers(t *testing.T) {
	tests := []struct {
		name string
		msgs []lead.Message
		want string
	}{
		{"customer repeats the business number", chat("bot: Call us on 020 7946 0018", "I called 020 7946 0018 but nobody answered"), ""},
		{"bot repeats the customer's number", chat("my mobile is 07400 123456", "bot: Thanks, we'll call you on 07400 123456"), "+447400123456"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := valueOf(Rules(Input{Country: "GB", Messages: tt.msgs}).Phone); got != tt.want {
				t.Fatalf("phone = %q, want %q", got, tt.want)
			}
		})
	}
}
