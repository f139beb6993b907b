package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"
)

// SMTPConfig configures an SMTP notifier.
type SMTPConfig struct {
	// Addr is the submission server's host:port, e.g. "smtp.example.com:587".
	Addr string
	// From is the sender: "no-reply@example.com" or "Leadflow <no-reply@example.com>".
	From string
	// Username and Password turn on PLAIN auth when Username is set. As net/smtp insists, the
	// password only travels over TLS (STARTTLS or ImplicitTLS) or to localhost.
	Username, Password string
	// ImplicitTLS speaks TLS from the first byte (port 465). Otherwise STARTTLS is used whenever the
	// server offers it.
	ImplicitTLS bool
	// TLSConfig is used for TLS; nil means the defaults, verifying the certificate against Addr's host.
	TLSConfig *tls.Config
	// LocalName is the name sent with EHLO; empty means "localhost".
	LocalName string
	// Timeout bounds one whole send, dial to QUIT, when ctx has no earlier deadline; zero means
	// DefaultTimeout.
	Timeout time.Duration
	// Now is the clock for the Date header; nil means time.Now.
	Now func() time.Time
}

// SMTP sends Messages as plain-text UTF-8 email to the address in Message.To, one recipient per
// message.
//
// The Message-ID is derived from the idempotency key ("<key@leadflow>", with characters a
// Message-ID cannot hold replaced and a hash of the key appended then), so every retry of a message
// carries the same id and mail systems that deduplicate on it can drop repeats. That matters because
// a connection lost after the final "." is retried even though the server may have accepted it.
//
// SMTP 5xx replies are permanent, 4xx replies and connection errors retryable. Replies are reported
// by code and enhanced status ("5.1.1"), never by their text, which tends to echo the address.
type SMTP struct {
	addr, host string
	from       *mail.Address
	auth       bool
	username   string
	password   string
	implicit   bool
	tlsConfig  *tls.Config
	localName  string
	timeout    time.Duration
	now        func() time.Time
}

var _ Notifier = (*SMTP)(nil)

// NewSMTP checks cfg and returns an SMTP notifier, or a *PermanentError.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	bad := func(reason string) error { return permanent(ChannelEmail, "", 0, "bad configuration: "+reason) }
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" || port == "" {
		return nil, bad("address must be host:port")
	}
	if !singleLine(cfg.From) || !singleLine(cfg.LocalName) {
		return nil, bad("From and LocalName must be single lines")
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, bad("invalid From address")
	}
	tlsConfig := &tls.Config{}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	return &SMTP{
		addr: cfg.Addr, host: host, from: from,
		auth: cfg.Username != "", username: cfg.Username, password: cfg.Password,
		implicit: cfg.ImplicitTLS, tlsConfig: tlsConfig,
		localName: orDefault(cfg.LocalName, "localhost"),
		timeout:   orDefaultDuration(cfg.Timeout, DefaultTimeout),
		now:       nowOr(cfg.Now),
	}, nil
}

func orDefaultDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Channel returns ChannelEmail.
func (s *SMTP) Channel() string { return ChannelEmail }

// Send mails m to m.To.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if err := m.validate(ChannelEmail); err != nil {
		return err // CR or LF in To or Subject (header injection) is refused here, before dialling
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return permanent(ChannelEmail, m.Key, 0, "invalid recipient address")
	}
	if m.Subject == "" && m.Text == "" {
		return permanent(ChannelEmail, m.Key, 0, "nothing to send: subject and text are empty")
	}
	msg, err := s.build(m, to)
	if err != nil {
		return permanent(ChannelEmail, m.Key, 0, "cannot encode the message")
	}
	return s.deliver(ctx, m.Key, to.Address, msg)
}

// build renders m as an RFC 5322 message with CRLF line endings.
func (s *SMTP) build(m Message, to *mail.Address) ([]byte, error) {
	var b bytes.Buffer
	header := func(name, value string) {
		sep := ": "
		if strings.HasPrefix(value, "\r\n") { // folded from the start
			sep = ":"
		}
		b.WriteString(name + sep + value + "\r\n")
	}
	header("From", s.from.String()) // String applies RFC 2047 to non-ASCII display names
	header("To", to.String())
	if m.Subject != "" {
		header("Subject", encodeSubject(m.Subject))
	}
	header("Date", s.now().Format(time.RFC1123Z))
	header("Message-ID", MessageID(m.Key))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")

	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(normalizeNewlines(m.Text))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n") // end the last line; SMTP's terminating "." needs a line of its own
	}
	return b.Bytes(), nil
}

// encodeSubject applies RFC 2047 Q-encoding when the subject needs it (non-ASCII: Persian, Arabic,
// Chinese...). RFC 2047 limits lines holding encoded words to 76 characters, and mime's words are
// up to 75 long, so an encoded subject is folded before every word, the first included: no word
// shares a line with "Subject:".
func encodeSubject(subject string) string {
	encoded := mime.QEncoding.Encode("utf-8", subject)
	if encoded == subject {
		return subject
	}
	return "\r\n " + strings.ReplaceAll(encoded, "?= =?", "?=\r\n =?")
}

// normalizeNewlines turns CRLF and lone CR into LF; the quoted-printable writer then emits every
// line break as CRLF, as SMTP requires.
func normalizeNewlines(s string) string {
	return strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
}

// MessageID returns the Message-ID header value for an idempotency key: "<key@leadflow>" when
// the key is made only of letters, digits, '-' and '_'; otherwise each other character becomes
// '-' and ".<first 16 hex digits of the key's SHA-256>" is appended, so that distinct keys keep
// distinct ids. The same key always gives the same id.
func MessageID(key string) string {
	clean := []byte(key)
	changed := false
	for i, c := range clean {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			clean[i] = '-'
			changed = true
		}
	}
	id := string(clean)
	if changed || id == "" {
		sum := sha256.Sum256([]byte(key))
		id += "." + hex.EncodeToString(sum[:8])
		id = strings.TrimPrefix(id, ".")
	}
	return "<" + id + "@leadflow>"
}

// deliver runs one SMTP conversation. ctx, capped by the configured timeout, bounds all of it.
func (s *SMTP) deliver(ctx context.Context, key, rcpt string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	conn, err := s.dial(ctx)
	if err != nil {
		return transportError(ChannelEmail, key, "connect failed", err)
	}
	defer func() { _ = conn.Close() }()
	// Once ctx is done, a deadline in the past fails the pending read or write at once. ctx.Err()
	// is set before this runs, so such failures are reported as the context's.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	err = s.converse(conn, rcpt, msg)
	if err != nil && ctx.Err() != nil {
		return transportError(ChannelEmail, key, "send interrupted", ctx.Err())
	}
	return classifySMTP(key, err)
}

func (s *SMTP) dial(ctx context.Context) (net.Conn, error) {
	if s.implicit {
		d := tls.Dialer{Config: s.tlsConfig}
		return d.DialContext(ctx, "tcp", s.addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.addr)
}

// smtpStep is a failed step of the conversation; classifySMTP turns it into a notify error.
type smtpStep struct {
	step string // "greeting", "EHLO", "STARTTLS", "AUTH", "MAIL FROM", "RCPT TO", "DATA", "message"
	err  error
	// config marks a refusal of ours that no retry can fix.
	config string
}

func (e *smtpStep) Error() string {
	if e.err == nil {
		return e.step + ": " + e.config
	}
	return e.step + ": " + e.err.Error()
}

func (e *smtpStep) Unwrap() error { return e.err }

func step(name string, err error) error {
	if err == nil {
		return nil
	}
	return &smtpStep{step: name, err: err}
}

// converse speaks SMTP on conn up to the server's acceptance of the message.
func (s *SMTP) converse(conn net.Conn, rcpt string, msg []byte) error {
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return step("greeting", err)
	}
	defer func() { _ = c.Close() }()
	if err := c.Hello(s.localName); err != nil {
		return step("EHLO", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && !s.implicit {
		if err := c.StartTLS(s.tlsConfig); err != nil {
			return step("STARTTLS", err)
		}
	}
	if err := s.authenticate(c); err != nil {
		return err
	}
	if err := c.Mail(s.from.Address); err != nil {
		return step("MAIL FROM", err)
	}
	if err := c.Rcpt(rcpt); err != nil {
		return step("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return step("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return step("message", err)
	}
	if err := w.Close(); err != nil { // reads the server's verdict on the message
		return step("message", err)
	}
	_ = c.Quit() // the message is accepted: a failed goodbye must not cause a resend
	return nil
}

// authenticate logs in when configured. It refuses what net/smtp would refuse (a password over an
// unencrypted connection to another host) up front, so that the refusal is reported as the
// configuration error it is rather than as a retryable failure.
func (s *SMTP) authenticate(c *smtp.Client) error {
	if !s.auth {
		return nil
	}
	if _, isTLS := c.TLSConnectionState(); !isTLS && !isLocalhost(s.host) {
		return &smtpStep{step: "AUTH", config: "server offers no TLS: refusing to send the password"}
	}
	if ok, _ := c.Extension("AUTH"); !ok {
		return &smtpStep{step: "AUTH", config: "server does not offer AUTH"}
	}
	return step("AUTH", c.Auth(smtp.PlainAuth("", s.username, s.password, s.host)))
}

// isLocalhost mirrors net/smtp's own test for where PLAIN auth may go unencrypted.
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// classifySMTP: 5xx replies are permanent, 4xx replies and everything else (connection trouble)
// retryable. Only the code and the enhanced status reach the error; the reply text often quotes the
// recipient.
func classifySMTP(key string, err error) error {
	if err == nil {
		return nil
	}
	var st *smtpStep
	if !errors.As(err, &st) {
		return transportError(ChannelEmail, key, "conversation failed", err)
	}
	if st.config != "" {
		return permanent(ChannelEmail, key, 0, "bad configuration: "+st.config)
	}
	var reply *textproto.Error
	if !errors.As(st.err, &reply) {
		return transportError(ChannelEmail, key, st.step+" failed", st.err)
	}
	reason := st.step + " refused"
	if enhanced := enhancedStatus(reply.Msg); enhanced != "" {
		reason += " (" + enhanced + ")"
	}
	if reply.Code >= 500 {
		return permanent(ChannelEmail, key, reply.Code, reason)
	}
	return retryable(ChannelEmail, key, reply.Code, 0, reason)
}

// enhancedStatus returns the RFC 3463 code ("5.1.1") that starts an SMTP reply text, or "".
func enhancedStatus(msg string) string {
	code, _, _ := strings.Cut(msg, " ")
	parts := strings.Split(code, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || !strings.Contains("245", parts[0]) {
		return ""
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return ""
		}
	}
	return code
}
