package extract

import (
	"testing"

	"github.com/leadflow/leadflow/internal/lead"
)

func TestEmail(t *testing.T) {
	tests := []struct {
		name   string
		sender *lead.Sender
		msgs   []lead.Message
		want   string
		source lead.Source
	}{
		{name: "plain", msgs: chat("write to john.doe@example.com please"), want: "john.doe@example.com"},
		{name: "lower-cased", msgs: chat("John.Doe@Example.COM"), want: "john.doe@example.com"},
		{name: "gmail dots kept", msgs: chat("it's j.o.h.n@gmail.com"), want: "j.o.h.n@gmail.com"},
		{name: "brackets", msgs: chat("john [at] example [dot] com"), want: "john@example.com"},
		{name: "parentheses two dots", msgs: chat("mail: john(at)example(dot)co(dot)uk"), want: "john@example.co.uk"},
		{name: "spelled", msgs: chat("you can email info at acme-tools dot com"), want: "info@acme-tools.com"},
		{name: "russian sobaka", msgs: chat("почта ivan.petrov собака mail точка ru"), want: "ivan.petrov@mail.ru"},
		{name: "fullwidth", msgs: chat("邮箱：ｌｉ．ｎａ＠ｅｘａｍｐｌｅ．ｃｎ"), want: "li.na@example.cn"},
		{name: "persian sentence", msgs: chat("ایمیلم ali.r@gmail.com هست"), want: "ali.r@gmail.com"},
		{name: "spaced at sign", msgs: chat("sara @ example.org"), want: "sara@example.org"},
		{name: "trailing period", msgs: chat("Send it to ops@greenleaf.io."), want: "ops@greenleaf.io"},
		{name: "plus tag", msgs: chat("leads+crm@startup.dev"), want: "leads+crm@startup.dev"},

		{name: "bot email never counts", msgs: chat("bot: write to sales@vendor.example", "ok")},
		{name: "business address repeated", msgs: chat("bot: write to sales@vendor.example", "I already wrote to sales@vendor.example")},
		{name: "work at domain is not an email", msgs: chat("I work at acme.io as a manager")},
		{name: "no tld", msgs: chat("root@localhost")},
		{name: "double at", msgs: chat("john@@example.com")},

		{name: "correction", msgs: chat("rahul@exmaple.in", "sorry typo, it's rahul@example.in"), want: "rahul@example.in"},
		{name: "arabic correction", msgs: chat("mona@gmial.com", "لا غلطت، الصح mona@gmail.com"), want: "mona@gmail.com"},
		{name: "chinese correction", msgs: chat("邮箱 liu@sz.example", "抱歉写错了，应该是 liu.yang@sz.example"), want: "liu.yang@sz.example"},
		{name: "first of two without cue", msgs: chat("me: ann@acme.com, cc bob@acme.com"), want: "ann@acme.com"},

		{name: "sender fallback", sender: &lead.Sender{Email: ptr("Ops@Greenleaf.example")}, msgs: chat("help!"),
			want: "ops@greenleaf.example", source: lead.SourceChannel},
		{name: "text beats sender", sender: &lead.Sender{Email: ptr("old@x.example")}, msgs: chat("use new@x.example"),
			want: "new@x.example"},
		{name: "invalid sender", sender: &lead.Sender{Email: ptr("not-an-email")}, msgs: chat("hi")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Messages: tt.msgs, Sender: tt.sender}
			f := Rules(in).Email
			if got := valueOf(f); got != tt.want {
				t.Fatalf("email = %q (evidence %q), want %q", got, f.Evidence, tt.want)
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
			checkEvidence(t, "email", f, in)
		})
	}
}

func TestValidEmail(t *testing.T) {
	for addr, want := range map[string]bool{
		"a@b.co": true, "first.last@sub.example.com": true, "x@y": false, ".a@b.com": false, "a.@b.com": false,
		"a..b@c.com": false, "a@-b.com": false, "a@b.c0m": false, "a@b@c.com": false, "@b.com": false,
	} {
		if got := validEmail(addr); got != want {
			t.Errorf("validEmail(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestEmailBotEcho(t *testing.T) {
	in := Input{Messages: chat("sara@acme.example", "bot: Great, we'll write to sara@acme.example today")}
	if got := valueOf(Rules(in).Email); got != "sara@acme.example" {
		t.Fatalf("email = %q, want the customer's address the bot repeated", got)
	}
}
