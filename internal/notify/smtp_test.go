package notify

import (
	"bufio"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeSMTP is a minimal SMTP server on 127.0.0.1: EHLO/HELO, optional AUTH PLAIN, MAIL FROM,
// RCPT TO, DATA, RSET, NOOP, QUIT. It captures what it receives.
type fakeSMTP struct {
	addr string
	// rcptReply, when set, answers RCPT TO instead of "250 2.1.5 ok" (e.g. "550 5.1.1 ...").
	rcptReply string
	// auth advertises AUTH PLAIN and accepts any credentials.
	auth bool
	// silent accepts connections and never answers.
	silent bool

	mu    sync.Mutex
	conns int
	mails []fakeMail
	wg    sync.WaitGroup
}

// fakeMail is one transaction's envelope and data, as received (CRLF line ends, dots unstuffed).
type fakeMail struct {
	from, rcpt, data string
	auth             string // decoded AUTH PLAIN response
}

func startSMTP(t *testing.T, f *fakeSMTP) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f.addr = ln.Addr().String()
	f.wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns++
			f.mu.Unlock()
			f.wg.Go(func() { f.serve(conn) })
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		f.wg.Wait()
	})
	return f
}

func (f *fakeSMTP) serve(conn net.Conn) {
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if f.silent {
		_, _ = io.Copy(io.Discard, conn)
		return
	}
	r := bufio.NewReader(conn)
	reply := func(lines ...string) { _, _ = io.WriteString(conn, strings.Join(lines, "\r\n")+"\r\n") }
	reply("220 fake.test ESMTP ready")
	var mail fakeMail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			if f.auth {
				reply("250-fake.test", "250-AUTH PLAIN", "250 8BITMIME")
			} else {
				reply("250-fake.test", "250 8BITMIME")
			}
		case "HELO", "NOOP":
			reply("250 ok")
		case "RSET":
			mail = fakeMail{auth: mail.auth}
			reply("250 ok")
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			dec, err := base64.StdEncoding.DecodeString(resp)
			if !f.auth || mech != "PLAIN" || err != nil {
				reply("504 5.5.4 unrecognized authentication type")
				continue
			}
			mail.auth = string(dec)
			reply("235 2.7.0 Authentication successful")
		case "MAIL":
			from, _, _ := strings.Cut(strings.TrimPrefix(arg, "FROM:"), " ")
			mail.from = strings.Trim(from, "<>")
			reply("250 2.1.0 ok")
		case "RCPT":
			mail.rcpt = strings.Trim(strings.TrimPrefix(arg, "TO:"), "<>")
			if f.rcptReply != "" {
				reply(f.rcptReply)
				continue
			}
			reply("250 2.1.5 ok")
		case "DATA":
			reply("354 end data with <CR><LF>.<CR><LF>")
			data, err := readData(r)
			if err != nil {
				return
			}
			mail.data = data
			f.mu.Lock()
			f.mails = append(f.mails, mail)
			f.mu.Unlock()
			reply("250 2.0.0 queued as 42")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 command not recognized")
		}
	}
}

// readData reads a DATA payload up to the lone "." line, undoing dot-stuffing.
func readData(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		if line == ".\r\n" {
			return b.String(), nil
		}
		b.WriteString(strings.TrimPrefix(line, "."))
	}
}

func (f *fakeSMTP) received() ([]fakeMail, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeMail(nil), f.mails...), f.conns
}

func newTestSMTP(t *testing.T, f *fakeSMTP, edit func(*SMTPConfig)) *SMTP {
	t.Helper()
	cfg := SMTPConfig{Addr: f.addr, From: "Leadflow <no-reply@leadflow.test>", Now: fixedNow, Timeout: 5 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	s, err := NewSMTP(cfg)
	require.NoError(t, err)
	return s
}

// A Persian subject and body, with a line that is a lone "." (which SMTP must dot-stuff) and a
// line longer than quoted-printable's 76 characters.
const (
	persianSubject = "لید جدید: درخواست دمو از شرکت نمونه"
	persianText    = "سلام،\nسارا کیم از شرکت نمونه یک دمو برای طرح تیمی همین هفته می‌خواهد و گفت بودجه حدود پنج هزار پوند است.\n.\nبا تشکر"
)

func TestSMTPSendsEncodedMessage(t *testing.T) {
	f := startSMTP(t, &fakeSMTP{})
	s := newTestSMTP(t, f, nil)
	assert.Equal(t, ChannelEmail, s.Channel())

	err := s.Send(t.Context(), Message{Key: "wf-7f3a_notify-rep", Subject: persianSubject, Text: persianText, To: "Sara Kim <sara@example.com>"})
	require.NoError(t, err)

	mails, _ := f.received()
	require.Len(t, mails, 1)
	got := mails[0]
	assert.Equal(t, "no-reply@leadflow.test", got.from)
	assert.Equal(t, "sara@example.com", got.rcpt)
	for line := range strings.SplitSeq(strings.TrimSuffix(got.data, "\r\n"), "\r\n") {
		assert.NotContains(t, line, "\n", "bare LF")
		assert.LessOrEqual(t, len(line), 78, "line too long: %q", line)
	}

	msg, err := mail.ReadMessage(strings.NewReader(got.data))
	require.NoError(t, err)
	h := msg.Header
	assert.Equal(t, `"Leadflow" <no-reply@leadflow.test>`, h.Get("From"))
	assert.Equal(t, `"Sara Kim" <sara@example.com>`, h.Get("To"))
	assert.Equal(t, "<wf-7f3a_notify-rep@leadflow>", h.Get("Message-ID"))
	assert.Equal(t, "1.0", h.Get("MIME-Version"))
	assert.Equal(t, "text/plain; charset=utf-8", h.Get("Content-Type"))
	assert.Equal(t, "quoted-printable", h.Get("Content-Transfer-Encoding"))
	date, err := h.Date()
	require.NoError(t, err)
	assert.True(t, date.Equal(clock), "Date %v", date)

	assert.Contains(t, got.data, "\r\nSubject:\r\n =?utf-8?q?", "subject encoded and folded")
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	require.NoError(t, err)
	assert.Equal(t, persianSubject, subject)

	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	require.NoError(t, err)
	// The body gains a final line break: SMTP's terminating "." has to start a line.
	assert.Equal(t, persianText+"\n", strings.ReplaceAll(string(body), "\r\n", "\n"))
}

func TestSMTPMessageIDIsStablePerKey(t *testing.T) {
	f := startSMTP(t, &fakeSMTP{})
	s := newTestSMTP(t, f, nil)
	m := Message{Key: "lead-42/notify:rep", Subject: "New lead", Text: "hello", To: "rep@example.com"}
	require.NoError(t, s.Send(t.Context(), m))
	require.NoError(t, s.Send(t.Context(), m)) // a Temporal retry

	mails, _ := f.received()
	require.Len(t, mails, 2)
	var ids []string
	for _, got := range mails {
		msg, err := mail.ReadMessage(strings.NewReader(got.data))
		require.NoError(t, err)
		ids = append(ids, msg.Header.Get("Message-ID"))
		assert.Equal(t, "New lead", msg.Header.Get("Subject"), "ASCII subjects stay readable")
	}
	assert.Equal(t, ids[0], ids[1])
	assert.Equal(t, MessageID(m.Key), ids[0])
	assert.Regexp(t, `^<lead-42-notify-rep\.[0-9a-f]{16}@leadflow>$`, ids[0])
}

func TestSMTPLongNonASCIISubjectIsFolded(t *testing.T) {
	f := startSMTP(t, &fakeSMTP{})
	s := newTestSMTP(t, f, nil)
	subject := strings.Repeat("请联系我们的销售团队", 15)
	require.NoError(t, s.Send(t.Context(), Message{Key: "k", Subject: subject, Text: "x", To: "rep@example.com"}))

	mails, _ := f.received()
	require.Len(t, mails, 1)
	for line := range strings.SplitSeq(mails[0].data, "\r\n") {
		assert.LessOrEqual(t, len(line), 78, "line too long: %q", line)
	}
	msg, err := mail.ReadMessage(strings.NewReader(mails[0].data))
	require.NoError(t, err)
	got, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	require.NoError(t, err)
	assert.Equal(t, subject, got)
}

func TestSMTPReplies(t *testing.T) {
	tests := []struct {
		name      string
		rcptReply string
		want      string
		status    int
	}{
		{"unknown user", "550 5.1.1 <sara@example.com>: Recipient address rejected: User unknown", "permanent", 550},
		{"greylisted", "451 4.7.1 <sara@example.com>: Recipient address rejected: Greylisted", "retryable", 451},
		{"mailbox full", "452 4.2.2 mailbox full", "retryable", 452},
		{"policy", "554 5.7.1 relay denied", "permanent", 554},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startSMTP(t, &fakeSMTP{rcptReply: tt.rcptReply})
			s := newTestSMTP(t, f, nil)
			err := s.Send(t.Context(), Message{Key: "k-9", Subject: "Lead", Text: persianText, To: "sara@example.com"})
			assert.Equal(t, tt.want, kind(err), "%v", err)
			assert.Contains(t, err.Error(), "RCPT TO")
			assert.Contains(t, err.Error(), tt.rcptReply[4:9], "enhanced status code")
			assert.Contains(t, err.Error(), `key "k-9"`)
			assert.NotContains(t, err.Error(), "sara@example.com")
			assert.NotContains(t, err.Error(), "Recipient")
			var p *PermanentError
			var r *RetryableError
			if IsPermanent(err) {
				require.ErrorAs(t, err, &p)
				assert.Equal(t, tt.status, p.Status)
			} else {
				require.ErrorAs(t, err, &r)
				assert.Equal(t, tt.status, r.Status)
			}
			mails, _ := f.received()
			assert.Empty(t, mails)
		})
	}
}

func TestSMTPRefusesHeaderInjectionWithoutConnecting(t *testing.T) {
	f := startSMTP(t, &fakeSMTP{})
	s := newTestSMTP(t, f, nil)
	for name, m := range map[string]Message{
		"CRLF in subject":   {Key: "k", Subject: "Hi\r\nBcc: victim@example.com", Text: "x", To: "rep@example.com"},
		"LF in subject":     {Key: "k", Subject: "Hi\nBcc: victim@example.com", Text: "x", To: "rep@example.com"},
		"CRLF in to":        {Key: "k", Subject: "Hi", Text: "x", To: "rep@example.com\r\nBcc: victim@example.com"},
		"two recipients":    {Key: "k", Subject: "Hi", Text: "x", To: "rep@example.com, victim@example.com"},
		"not an address":    {Key: "k", Subject: "Hi", Text: "x", To: "+447400123456"},
		"no recipient":      {Key: "k", Subject: "Hi", Text: "x"},
		"no key":            {Subject: "Hi", Text: "x", To: "rep@example.com"},
		"nothing to send":   {Key: "k", To: "rep@example.com"},
		"bad text encoding": {Key: "k", Text: "\xff", To: "rep@example.com"},
	} {
		err := s.Send(t.Context(), m)
		assert.True(t, IsPermanent(err), "%s: %v", name, err)
		if err != nil {
			assert.NotContains(t, err.Error(), "example.com", name)
			assert.NotContains(t, err.Error(), "7400", name)
		}
	}
	_, conns := f.received()
	assert.Zero(t, conns, "no connection for a refused message")
}

func TestSMTPAuthPlain(t *testing.T) {
	f := startSMTP(t, &fakeSMTP{auth: true})
	s := newTestSMTP(t, f, func(c *SMTPConfig) { c.Username, c.Password = "mailer", "hunter2" })
	require.NoError(t, s.Send(t.Context(), Message{Key: "k", Subject: "Hi", Text: "x", To: "rep@example.com"}))
	mails, _ := f.received()
	require.Len(t, mails, 1)
	assert.Equal(t, "\x00mailer\x00hunter2", mails[0].auth)
}

func TestSMTPAuthConfigurationErrorsArePermanent(t *testing.T) {
	m := Message{Key: "k", Subject: "Hi", Text: "x", To: "rep@example.com"}

	// The server offers no AUTH.
	f := startSMTP(t, &fakeSMTP{})
	s := newTestSMTP(t, f, func(c *SMTPConfig) { c.Username, c.Password = "mailer", "hunter2" })
	err := s.Send(t.Context(), m)
	assert.True(t, IsPermanent(err), "%v", err)
	assert.NotContains(t, err.Error(), "hunter2")

	// A password would cross an unencrypted connection to a host that is not localhost. The fake
	// listens on 127.0.0.1 only, so reach it through a name for the same address.
	f = startSMTP(t, &fakeSMTP{auth: true})
	_, port, _ := net.SplitHostPort(f.addr)
	s, err = NewSMTP(SMTPConfig{Addr: net.JoinHostPort("smtp.example.com", port), From: "a@leadflow.test", Username: "u", Password: "hunter2"})
	require.NoError(t, err)
	s.addr = f.addr // dial the fake, but keep the non-local host name for the TLS/auth decision
	err = s.Send(t.Context(), m)
	assert.True(t, IsPermanent(err), "%v", err)
	assert.Contains(t, err.Error(), "TLS")
	mails, _ := f.received()
	assert.Empty(t, mails)
}

func TestSMTPConnectionErrorsAreRetryable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	s, err := NewSMTP(SMTPConfig{Addr: addr, From: "a@leadflow.test"})
	require.NoError(t, err)
	err = s.Send(t.Context(), Message{Key: "k", Text: "x", To: "rep@example.com"})
	assert.Equal(t, "retryable", kind(err), "%v", err)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.NotContains(t, err.Error(), "127.0.0.1")
}

func TestSMTPSilentServerTimesOut(t *testing.T) {
	f := startSMTP(t, &fakeSMTP{silent: true})
	s := newTestSMTP(t, f, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Send(ctx, Message{Key: "k", Text: "x", To: "rep@example.com"})
	assert.Equal(t, "retryable", kind(err), "%v", err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 3*time.Second)
}

func TestNewSMTPConfig(t *testing.T) {
	for name, cfg := range map[string]SMTPConfig{
		"no port":        {Addr: "smtp.example.com", From: "a@leadflow.test"},
		"no from":        {Addr: "smtp.example.com:587"},
		"bad from":       {Addr: "smtp.example.com:587", From: "not an address"},
		"from injection": {Addr: "smtp.example.com:587", From: "a@leadflow.test\r\nBcc: b@example.com"},
	} {
		_, err := NewSMTP(cfg)
		assert.True(t, IsPermanent(err), "%s: %v", name, err)
	}
}
