package extract

import "testing"

func TestCompany(t *testing.T) {
	tests := []struct {
		name string
		msgs []string
		want string
	}{
		{"legal form corporation", []string{"I work at Globex Corporation in Springfield"}, "Globex"},
		{"legal form ltd with from", []string{"Hi, I'm Sara from Bright Wave Ltd."}, "Bright Wave"},
		{"gmbh after article", []string{"Ich arbeite bei der Müller Maschinenbau GmbH"}, "Müller Maschinenbau"},
		{"turkish legal form", []string{"ABC Yazılım A.Ş. adına yazıyorum"}, "ABC Yazılım"},
		{"we are", []string{"We are Initech, a software consultancy"}, "Initech"},
		{"from after intro", []string{"Hey, it's Tom from Vandelay Industries again"}, "Vandelay Industries"},
		{"fa sherkat", []string{"سلام، از شرکت داده‌پردازان نوین هستم"}, "داده‌پردازان نوین"},
		{"fa az x hastam", []string{"سلام، مریم نوری از آرین‌تک هستم"}, "آرین‌تک"},
		{"ar sharika", []string{"أعمل في شركة الريادة للتقنية"}, "الريادة للتقنية"},
		{"ar legal form", []string{"أنا مدير المبيعات في الأفق الرقمي ذ.م.م"}, "الأفق الرقمي"},
		{"ru ooo quotes", []string{"Я представляю ООО «Ромашка»"}, "Ромашка"},
		{"ru company quotes nominative", []string{"Я из компании «Ромашка»"}, "Ромашка"},
		{"ru genitive", []string{"Это Олег из «Газпрома»"}, "Газпром"},
		{"zh youxian gongsi", []string{"我们是深圳腾达科技有限公司"}, "深圳腾达科技"},
		{"zh org before name", []string{"我是深圳腾达的陈明"}, "深圳腾达"},
		{"finglish sherkat", []string{"salam, az sherkat Novin Pardaz hastam"}, "Novin Pardaz"},
		{"signature with dash", []string{"Please call.\n\nKind regards,\nLaura Chen\nHead of Ops - Pinecone Foods"}, "Pinecone Foods"},
		{"no company", []string{"I'm looking for a CRM for my small shop"}, ""},
		{"our company is not a name", []string{"شرکت ما در تهران است"}, ""},
		{"country after from", []string{"أنا محمد من مصر"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Messages: chat(tt.msgs...)}
			f := Rules(in).Company
			if got := valueOf(f); got != tt.want {
				t.Fatalf("company = %q (evidence %q), want %q", got, f.Evidence, tt.want)
			}
			checkEvidence(t, "company", f, in)
		})
	}
}

func TestCompanyNotAPlace(t *testing.T) {
	in := Input{Messages: chat("Hi, I'm Anna from Berlin, what does it cost?")}
	if got := valueOf(Rules(in).Company); got != "" {
		t.Fatalf("company = %q, want none", got)
	}
}
