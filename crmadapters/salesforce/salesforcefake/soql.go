package salesforcefake

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// soql is the subset of SOQL the fake runs:
//
//	SELECT field, … FROM object [WHERE condition AND …] [ORDER BY field, …]
//
// where a condition is `field op value` (op one of = != <> < <= > >=) or `field IN (value, …)`, and
// a value is a 'string literal', a datetime literal (2026-11-02T10:00:00Z), a number, true, false
// or null. Anything else is MALFORMED_QUERY, as a typo would be in Salesforce.
type soql struct {
	object  string
	fields  []string
	where   []condition
	orderBy []string
}

type condition struct {
	field  string
	op     string
	values []any // string, time.Time, float64, bool or nil
}

type token struct {
	kind byte // 'i' identifier or keyword, 's' string, 'v' other literal, 'p' punctuation
	text string
	val  any
}

func malformed(format string, a ...any) *apiError {
	return &apiError{400, "MALFORMED_QUERY", fmt.Sprintf(format, a...), nil}
}

// parseSOQL reads q; maxIn caps an IN list's values.
func parseSOQL(q string, maxIn int) (soql, *apiError) {
	toks, err := lex(q)
	if err != nil {
		return soql{}, err
	}
	p := &parser{toks: toks}
	var out soql
	if !p.keyword("SELECT") {
		return soql{}, malformed("unexpected token: expected SELECT")
	}
	names := p.list()
	if len(names) == 0 || !p.keyword("FROM") {
		return soql{}, malformed("unexpected token: expected FROM")
	}
	object := p.next()
	if object.kind != 'i' {
		return soql{}, malformed("unexpected token: expected an object")
	}
	if _, ok := sobjects[object.text]; !ok {
		return soql{}, &apiError{400, "INVALID_TYPE", fmt.Sprintf("sObject type '%s' is not supported.", object.text), nil}
	}
	out.object = object.text
	for _, n := range names {
		f, e := column(out.object, n)
		if e != nil {
			return soql{}, e
		}
		out.fields = append(out.fields, f)
	}
	if p.keyword("WHERE") {
		for {
			c, e := p.condition(out.object, maxIn)
			if e != nil {
				return soql{}, e
			}
			out.where = append(out.where, c)
			if !p.keyword("AND") {
				break
			}
		}
	}
	if p.keyword("ORDER") {
		if !p.keyword("BY") {
			return soql{}, malformed("unexpected token: expected BY")
		}
		for _, n := range p.list() {
			f, e := column(out.object, n)
			if e != nil {
				return soql{}, e
			}
			out.orderBy = append(out.orderBy, f)
		}
	}
	if t := p.next(); t.kind != 0 {
		return soql{}, malformed("unexpected token: '%s'", t.text)
	}
	return out, nil
}

func column(object, name string) (string, *apiError) {
	f, _, ok := lookup(object, name)
	if !ok {
		return "", &apiError{400, "INVALID_FIELD", fmt.Sprintf("No such column '%s' on entity '%s'.", name, object), nil}
	}
	return f, nil
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) next() token {
	if p.pos >= len(p.toks) {
		return token{}
	}
	p.pos++
	return p.toks[p.pos-1]
}

func (p *parser) peek() token {
	if p.pos >= len(p.toks) {
		return token{}
	}
	return p.toks[p.pos]
}

func (p *parser) keyword(k string) bool {
	if t := p.peek(); t.kind == 'i' && strings.EqualFold(t.text, k) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) punct(s string) bool {
	if t := p.peek(); t.kind == 'p' && t.text == s {
		p.pos++
		return true
	}
	return false
}

// list reads identifiers separated by commas.
func (p *parser) list() []string {
	var out []string
	for {
		t := p.peek()
		if t.kind != 'i' {
			return out
		}
		p.pos++
		out = append(out, t.text)
		if !p.punct(",") {
			return out
		}
	}
}

func (p *parser) condition(object string, maxIn int) (condition, *apiError) {
	t := p.next()
	if t.kind != 'i' {
		return condition{}, malformed("unexpected token: expected a field")
	}
	name, f, ok := lookup(object, t.text)
	if !ok {
		return condition{}, &apiError{400, "INVALID_FIELD", fmt.Sprintf("No such column '%s' on entity '%s'.", t.text, object), nil}
	}
	c := condition{field: name}
	if p.keyword("IN") {
		c.op = "IN"
		if !p.punct("(") {
			return condition{}, malformed("unexpected token: expected (")
		}
		for {
			v, e := p.value(name, f)
			if e != nil {
				return condition{}, e
			}
			c.values = append(c.values, v)
			if p.punct(")") {
				break
			}
			if !p.punct(",") {
				return condition{}, malformed("unexpected token: expected , or )")
			}
		}
		if len(c.values) > maxIn {
			return condition{}, malformed("too many values in the IN list of %s: %d, the most this org takes is %d", name, len(c.values), maxIn)
		}
		return c, nil
	}
	op := p.next()
	if op.kind != 'p' || !slices.Contains([]string{"=", "!=", "<>", "<", "<=", ">", ">="}, op.text) {
		return condition{}, malformed("unexpected token: expected an operator after %s", name)
	}
	c.op = op.text
	if c.op == "<>" {
		c.op = "!="
	}
	v, e := p.value(name, f)
	if e != nil {
		return condition{}, e
	}
	c.values = []any{v}
	return c, nil
}

// value reads a literal and checks it suits the field: a datetime field takes a datetime literal,
// never a quoted string, and a text field takes a string.
func (p *parser) value(name string, f field) (any, *apiError) {
	t := p.next()
	var v any
	switch {
	case t.kind == 'i' && strings.EqualFold(t.text, "null"):
		return nil, nil
	case t.kind == 'i' && (strings.EqualFold(t.text, "true") || strings.EqualFold(t.text, "false")):
		v = strings.EqualFold(t.text, "true")
	case t.kind == 's' || t.kind == 'v':
		v = t.val
	default:
		return nil, malformed("unexpected token: expected a value for %s", name)
	}
	_, isTime := v.(time.Time)
	_, isString := v.(string)
	switch {
	case f.kind == system && name != "Id" && !isTime:
		return nil, malformed("value of filter criterion for field '%s' must be of type dateTime and should not be enclosed in quotes", name)
	case (f.kind != system || name == "Id") && f.kind != number && f.kind != boolean && !isString:
		return nil, malformed("value of filter criterion for field '%s' must be of type string and should be enclosed in quotes", name)
	}
	return v, nil
}

// lex splits a query into tokens. String literals take SOQL's escapes (\' \" \\ \n \r \t \b \f);
// any other backslash is an error, as in Salesforce.
func lex(q string) ([]token, *apiError) {
	var toks []token
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isLetter(c):
			j := i
			for j < len(q) && (isLetter(q[j]) || isDigit(q[j]) || q[j] == '.') {
				j++
			}
			toks = append(toks, token{kind: 'i', text: q[i:j]})
			i = j
		case c == '\'':
			s, n, err := stringLiteral(q[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{kind: 's', text: q[i : i+n], val: s})
			i += n
		case isDigit(c) || c == '-':
			j := i + 1
			for j < len(q) && (isDigit(q[j]) || strings.IndexByte("-:.TZ+", q[j]) >= 0) {
				j++
			}
			lit := q[i:j]
			var v any
			if t, err := time.Parse(time.RFC3339, lit); err == nil && strings.Contains(lit, "T") {
				v = t
			} else if f, err := strconv.ParseFloat(lit, 64); err == nil {
				v = f
			} else {
				return nil, malformed("unexpected token: '%s'", lit)
			}
			toks = append(toks, token{kind: 'v', text: lit, val: v})
			i = j
		case strings.IndexByte("(),", c) >= 0:
			toks = append(toks, token{kind: 'p', text: string(c)})
			i++
		case strings.IndexByte("=!<>", c) >= 0:
			j := i + 1
			if j < len(q) && (q[j] == '=' || (c == '<' && q[j] == '>')) {
				j++
			}
			if q[i:j] == "!" {
				return nil, malformed("unexpected token: '!'")
			}
			toks = append(toks, token{kind: 'p', text: q[i:j]})
			i = j
		default:
			return nil, malformed("unexpected token: '%c'", c)
		}
	}
	return toks, nil
}

// stringLiteral reads the literal q starts with and returns its value and its length in q.
func stringLiteral(q string) (string, int, *apiError) {
	var b strings.Builder
	for j := 1; j < len(q); j++ {
		switch q[j] {
		case '\'':
			return b.String(), j + 1, nil
		case '\\':
			j++
			if j == len(q) {
				return "", 0, malformed("unterminated string literal")
			}
			esc, ok := map[byte]byte{'\'': '\'', '"': '"', '\\': '\\', 'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'f': '\f'}[q[j]]
			if !ok {
				return "", 0, malformed("invalid escape sequence: \\%c", q[j])
			}
			b.WriteByte(esc)
		default:
			b.WriteByte(q[j])
		}
	}
	return "", 0, malformed("unterminated string literal")
}

func isLetter(c byte) bool { return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

// run returns the records the query selects, in its order (creation order when it has none).
func (s *Server) run(q soql) []*record {
	var out []*record
	for _, r := range s.records {
		if r.object == q.object && matches(r, q.where) {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b *record) int {
		for _, f := range q.orderBy {
			if c := compare(a.get(f), b.get(f)); c != 0 {
				return c
			}
		}
		return 0
	})
	return out
}

func matches(r *record, where []condition) bool {
	for _, c := range where {
		v := r.get(c.field)
		ok := false
		switch c.op {
		case "IN":
			ok = slices.ContainsFunc(c.values, func(w any) bool { return equal(v, w) })
		case "=":
			ok = equal(v, c.values[0])
		case "!=":
			ok = !equal(v, c.values[0])
		default:
			if isNull(v) || isNull(c.values[0]) {
				return false
			}
			n := compare(v, c.values[0])
			ok = (c.op == "<" && n < 0) || (c.op == "<=" && n <= 0) || (c.op == ">" && n > 0) || (c.op == ">=" && n >= 0)
		}
		if !ok {
			return false
		}
	}
	return true
}

func isNull(v any) bool { return v == nil || v == "" }

// equal compares as SOQL does: text case-insensitively, and null equal only to null.
func equal(v, w any) bool {
	if isNull(v) || isNull(w) {
		return isNull(v) && isNull(w)
	}
	return compare(v, w) == 0
}

// compare orders two values of one field; nulls sort first, as SOQL's ascending order puts them.
func compare(v, w any) int {
	switch {
	case isNull(v) && isNull(w):
		return 0
	case isNull(v):
		return -1
	case isNull(w):
		return 1
	}
	switch x := v.(type) {
	case time.Time:
		if y, ok := w.(time.Time); ok {
			return x.Compare(y)
		}
	case float64:
		if y, ok := w.(float64); ok {
			return cmp.Compare(x, y)
		}
	case string:
		if y, ok := w.(string); ok {
			return strings.Compare(strings.ToLower(x), strings.ToLower(y))
		}
	case bool:
		if y, ok := w.(bool); ok && x == y {
			return 0
		}
	}
	return cmp.Compare(fmt.Sprint(v), fmt.Sprint(w))
}
