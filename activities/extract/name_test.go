package extract

import (
	"testing"

	"github.com/leadflow/leadflow/internal/lead"
)

func TestFullName(t *testing.T) {
	tests := []struct {
		name   string
		sender *lead.Sender
		msgs   []lead.Message
		want   string
		source lead.Source
	}{
		{name: "en my name is", msgs: chat("Hello, my name is Jane Doe and I need help"), want: "Jane Doe"},
		{name: "en title dropped", msgs: chat("I'm Dr. Jane Doe from Acme"), want: "Jane Doe"},
		{name: "en this is", msgs: chat("This is Mr. Ahmed Khan from Orbit Labs."), want: "Ahmed Khan"},
		{name: "en here", msgs: chat("Hi, Peter Novak here, can you help?"), want: "Peter Novak"},
		{name: "en not a name", msgs: chat("I'm interested in your product. I'm Looking for pricing.")},
		{name: "en sentence end", msgs: chat("I'm Aigerim. Budget is small."), want: "Aigerim"},
		{name: "en signature", msgs: chat("Please send the contract.\n\nBest regards,\nJohn Smith\nCTO, Acme Inc."), want: "John Smith"},
		{name: "en dash signature", msgs: chat("Widget is down again. - Maria, Bluebird Dental"), want: "Maria"},
		{name: "fa ismam", msgs: chat("سلام، اسم من مریم احمدی است"), want: "مریم احمدی"},
		{name: "fa colloquial ending", msgs: chat("اسمم علی رضاییه، از تهران"), want: "علی رضایی"},
		{name: "fa first name ending in ye kept", msgs: chat("اسمم سمیه"), want: "سمیه"},
		{name: "fa hastam with title", msgs: chat("سلام، مهندس کاوه نوری هستم"), want: "کاوه نوری"},
		{name: "fa man x hastam", msgs: chat("سلام من سارا محمدی هستم و دنبال دوره هستم"), want: "سارا محمدی"},
		{name: "fa from company", msgs: chat("سلام، رضا کریمی از شرکت آوا هستم"), want: "رضا کریمی"},
		{name: "fa not a name", msgs: chat("من دانشجو هستم و علاقه‌مند هستم")},
		{name: "fa registration is not a name", msgs: chat("می‌خوام ثبت‌نامم رو قطعی کنم")},
		{name: "ar ismi", msgs: chat("اسمي خالد العتيبي"), want: "خالد العتيبي"},
		{name: "ar ana with title", msgs: chat("أنا المهندس سامي حداد من شركة البناء الحديث"), want: "سامي حداد"},
		{name: "ar not a name", msgs: chat("أنا مهتم بالخدمة وعايز أعرف السعر")},
		{name: "ar signature", msgs: chat("نرجو إرسال العرض.\n\nمع خالص التحية،\nهالة منصور"), want: "هالة منصور"},
		{name: "ru menya zovut", msgs: chat("Здравствуйте! Меня зовут Анна Смирнова."), want: "Анна Смирнова"},
		{name: "ru ya", msgs: chat("Я Пётр, директор магазина"), want: "Пётр"},
		{name: "ru greeting name comma", msgs: chat("Добрый день. Олег Иванов, отдел закупок."), want: "Олег Иванов"},
		{name: "ru signature", msgs: chat("Спасибо за ответ. С уважением, Мария Кузнецова"), want: "Мария Кузнецова"},
		{name: "ru not a name", msgs: chat("Я руководитель отдела продаж")},
		{name: "zh wo jiao", msgs: chat("你好，我叫张伟，想了解一下"), want: "张伟"},
		{name: "zh wo shi", msgs: chat("我是李娜，想咨询价格"), want: "李娜"},
		{name: "zh org de name", msgs: chat("我是深圳腾达科技的陈明，想要报价"), want: "陈明"},
		{name: "zh role is not a name", msgs: chat("我是一家公司的老板")},
		{name: "zh title dropped", msgs: chat("我叫王先生")},
		{name: "tr benim adim", msgs: chat("Merhaba, benim adım Ahmet Yılmaz"), want: "Ahmet Yılmaz"},
		{name: "de ich heisse", msgs: chat("Guten Tag, ich heiße Thomas Müller."), want: "Thomas Müller"},
		{name: "de mein name ist", msgs: chat("Mein Name ist Anna Schmidt"), want: "Anna Schmidt"},
		{name: "de kunde is not a name", msgs: chat("Ich bin Kunde bei Ihnen")},
		{name: "finglish", msgs: chat("Salam, Sina Moradi hastam"), want: "Sina Moradi"},
		{name: "arabizi", msgs: chat("ahlan, ana Omar Khaled"), want: "Omar Khaled"},
		{name: "answer to name question", msgs: chat("bot: May I have your name?", "Lena Hoffmann"), want: "Lena Hoffmann"},
		{name: "answer to arabic name question", msgs: chat("bot: ممكن الاسم الكريم؟", "فهد الدوسري. هذا رقمي"), want: "فهد الدوسري"},
		{name: "bot greeting is not the name", msgs: chat("bot: Hi, I'm Anna, your assistant", "hello")},
		{name: "stated name beats sender", sender: &lead.Sender{Name: ptr("Ali")}, msgs: chat("Hi, my name is Ali Rezaei"), want: "Ali Rezaei"},
		{name: "sender fallback", sender: &lead.Sender{Name: ptr("Maria Garcia")}, msgs: chat("price?"), want: "Maria Garcia", source: lead.SourceChannel},
		{name: "sender emoji is not a name", sender: &lead.Sender{Name: ptr("🚀🚀")}, msgs: chat("price?")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Messages: tt.msgs, Sender: tt.sender}
			f := Rules(in).FullName
			if got := valueOf(f); got != tt.want {
				t.Fatalf("full_name = %q (evidence %q), want %q", got, f.Evidence, tt.want)
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
			checkEvidence(t, "full_name", f, in)
		})
	}
}

func TestNameNotTheBots(t *testing.T) {
	in := Input{Messages: chat("bot: Hi, I'm Anna, your virtual assistant.", "Thanks, Anna! What does the Pro plan cost?")}
	if got := valueOf(Rules(in).FullName); got != "" {
		t.Fatalf("full_name = %q, want none: Anna is the bot", got)
	}
}
