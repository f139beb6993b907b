package zohofake

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// COQL's limits: "in" takes at most 50 values, and a query returns at most 200 rows.
const (
	maxInValues = 50
	maxLimit    = 200
)

// query is the subset of COQL the server reads:
//
//	select f1, f2 from Module where Field in ('a', 'b') limit 200
//	select f1 from Module where Field = 'a' limit 1 offset 0
type query struct {
	fields        []string
	module        string
	where         string
	values        []string
	limit, offset int
}

// coql is POST /crm/v2/coql; no match is 204 No Content.
func (s *Server) coql(w http.ResponseWriter, _ *http.Request, body any) {
	obj, _ := body.(map[string]any)
	text, _ := obj["select_query"].(string)
	q, code, details := parse(text)
	if code == "" && !slices.Contains([]string{"Contacts", "Deals", "Tasks", "Notes"}, q.module) {
		code, details = "INVALID_QUERY", map[string]any{"reason": "invalid module"}
	}
	if code != "" {
		writeJSON(w, http.StatusBadRequest, apiError(code, "invalid query", details))
		return
	}
	var rows []map[string]any
	for _, id := range s.order[q.module] {
		rec := s.records[q.module][id]
		v, _ := rec[q.where].(string)
		if !slices.Contains(q.values, v) {
			continue
		}
		row := map[string]any{"id": id}
		for _, f := range q.fields {
			row[f] = rec[f]
		}
		rows = append(rows, row)
	}
	start := min(q.offset, len(rows))
	end := min(start+q.limit, len(rows))
	if start == end {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": rows[start:end],
		"info": map[string]any{"count": end - start, "more_records": end < len(rows)}})
}

// parse reads a query; code is Zoho's error code when it cannot.
func parse(text string) (q query, code string, details map[string]any) {
	toks, ok := tokenize(text)
	syntax := func(near string) (query, string, map[string]any) {
		return query{}, "SYNTAX_ERROR", map[string]any{"near": near}
	}
	if !ok {
		return syntax("string literal")
	}
	p := &tokens{toks: toks}
	if !p.keyword("select") {
		return syntax("select")
	}
	for {
		f := p.next()
		if !isIdent(f) {
			return syntax(f)
		}
		q.fields = append(q.fields, f)
		if !p.is(",") {
			break
		}
	}
	if !p.keyword("from") {
		return syntax("from")
	}
	if q.module = p.next(); !isIdent(q.module) || !p.keyword("where") {
		return syntax(q.module)
	}
	if q.where = p.next(); !isIdent(q.where) {
		return syntax(q.where)
	}
	switch {
	case p.is("="):
		v, ok := p.literal()
		if !ok {
			return syntax("=")
		}
		q.values = []string{v}
	case p.keyword("in"):
		if !p.is("(") {
			return syntax("in")
		}
		for {
			v, ok := p.literal()
			if !ok {
				return syntax("in")
			}
			q.values = append(q.values, v)
			if p.is(")") {
				break
			}
			if !p.is(",") {
				return syntax("in")
			}
		}
		if len(q.values) > maxInValues {
			return query{}, "LIMIT_EXCEEDED", map[string]any{"operator": "in", "allowed_count": maxInValues}
		}
	default:
		return syntax(q.where)
	}
	q.limit = maxLimit
	for _, clause := range []struct {
		name string
		v    *int
	}{{"limit", &q.limit}, {"offset", &q.offset}} {
		if !p.keyword(clause.name) {
			continue
		}
		n, err := strconv.Atoi(p.next())
		if err != nil || n < 0 {
			return syntax(clause.name)
		}
		*clause.v = n
	}
	switch {
	case p.more():
		return syntax(p.next())
	case q.limit > maxLimit:
		return query{}, "LIMIT_EXCEEDED", map[string]any{"api_name": "limit", "limit": maxLimit}
	}
	return q, "", nil
}

type tokens struct {
	toks []string
	at   int
}

func (t *tokens) more() bool { return t.at < len(t.toks) }

func (t *tokens) next() string {
	if !t.more() {
		return ""
	}
	t.at++
	return t.toks[t.at-1]
}

func (t *tokens) is(tok string) bool {
	if t.more() && t.toks[t.at] == tok {
		t.at++
		return true
	}
	return false
}

func (t *tokens) keyword(k string) bool {
	if t.more() && strings.EqualFold(t.toks[t.at], k) {
		t.at++
		return true
	}
	return false
}

// literal reads a string literal token, which tokenize marks with a leading quote.
func (t *tokens) literal() (string, bool) {
	if !t.more() || !strings.HasPrefix(t.toks[t.at], "'") {
		return "", false
	}
	return t.next()[1:], true
}

func isIdent(s string) bool {
	return s != "" && (unicode.IsLetter(rune(s[0])) || s[0] == '$' || s[0] == '_')
}

// tokenize splits a query into words, punctuation and string literals; a literal is its
// unescaped text after a single quote.
func tokenize(text string) ([]string, bool) {
	var toks []string
	rs := []rune(text)
	for i := 0; i < len(rs); i++ {
		switch c := rs[i]; {
		case unicode.IsSpace(c):
		case strings.ContainsRune("(),=", c):
			toks = append(toks, string(c))
		case c == '\'':
			var b strings.Builder
			b.WriteRune('\'')
			closed := false
			for i++; i < len(rs); i++ {
				if rs[i] == '\\' && i+1 < len(rs) {
					i++
					b.WriteRune(rs[i])
					continue
				}
				if rs[i] == '\'' {
					closed = true
					break
				}
				b.WriteRune(rs[i])
			}
			if !closed {
				return nil, false
			}
			toks = append(toks, b.String())
		default:
			start := i
			for i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) && !strings.ContainsRune("(),='", rs[i+1]) {
				i++
			}
			toks = append(toks, string(rs[start:i+1]))
		}
	}
	return toks, true
}
