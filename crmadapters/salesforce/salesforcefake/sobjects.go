package salesforcefake

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// kind is how a field's values are checked.
type kind int

const (
	text kind = iota
	email
	picklist
	date
	reference
	boolean
	number
	externalID // text, and the key of an upsert by external ID
	system     // Id, CreatedDate, LastModifiedDate: read-only
)

type field struct {
	kind     kind
	max      int // text length in characters
	required bool
	values   []string // a restricted picklist's values
	refs     []string // the objects a reference may point to
}

type sobject struct {
	prefix   string // the first three characters of its record ids
	fields   map[string]field
	defaults map[string]any // what a new record holds when the body leaves it out
}

// sobjects is the slice of the org's schema the fake knows: the standard fields Leadflow's default
// mapping writes (and a few more a custom mapping might), plus the custom external ID fields an
// admin adds for Leadflow (Leadflow_Contact_Id__c, Leadflow_Id__c, Leadflow_Key__c) and an optional
// lookup from Lead to Contact (Leadflow_Contact__c). Statuses are Salesforce's default picklists.
var sobjects = map[string]sobject{
	"Contact": {prefix: "003", fields: map[string]field{
		"FirstName":              {kind: text, max: 40},
		"LastName":               {kind: text, max: 80, required: true},
		"Email":                  {kind: email, max: 80},
		"Phone":                  {kind: text, max: 40},
		"MobilePhone":            {kind: text, max: 40},
		"Title":                  {kind: text, max: 128},
		"MailingCountry":         {kind: text, max: 80},
		"Description":            {kind: text, max: 32000},
		"LeadSource":             {kind: text, max: 255},
		"Leadflow_Contact_Id__c": {kind: externalID, max: 255},
	}},
	"Lead": {prefix: "00Q", fields: map[string]field{
		"FirstName":         {kind: text, max: 40},
		"LastName":          {kind: text, max: 80, required: true},
		"Company":           {kind: text, max: 255, required: true},
		"Email":             {kind: email, max: 80},
		"Phone":             {kind: text, max: 40},
		"MobilePhone":       {kind: text, max: 40},
		"Title":             {kind: text, max: 128},
		"Country":           {kind: text, max: 80},
		"Description":       {kind: text, max: 32000},
		"LeadSource":        {kind: text, max: 255},
		"NumberOfEmployees": {kind: number},
		"AnnualRevenue":     {kind: number},
		"Status": {kind: picklist, required: true, values: []string{
			"Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"}},
		"Rating":              {kind: picklist, values: []string{"Hot", "Warm", "Cold"}},
		"Leadflow_Id__c":      {kind: externalID, max: 255},
		"Leadflow_Contact__c": {kind: reference, refs: []string{"Contact"}},
	}, defaults: map[string]any{"Status": "Open - Not Contacted"}},
	"Note": {prefix: "002", fields: map[string]field{
		"ParentId":  {kind: reference, required: true, refs: []string{"Lead", "Contact"}},
		"Title":     {kind: text, max: 80, required: true},
		"Body":      {kind: text, max: 32000},
		"IsPrivate": {kind: boolean},
	}},
	"Task": {prefix: "00T", fields: map[string]field{
		"WhoId":        {kind: reference, refs: []string{"Lead", "Contact"}},
		"Subject":      {kind: text, max: 255},
		"Description":  {kind: text, max: 32000},
		"ActivityDate": {kind: date},
		"Status": {kind: picklist, required: true, values: []string{
			"Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"}},
		"Priority":        {kind: picklist, required: true, values: []string{"High", "Normal", "Low"}},
		"Leadflow_Key__c": {kind: externalID, max: 255},
	}, defaults: map[string]any{"Status": "Not Started", "Priority": "Normal"}},
}

var systemFields = []string{"Id", "CreatedDate", "LastModifiedDate"}

// lookup finds a field of object by name, case-insensitively as Salesforce does, and returns its
// name as the schema spells it.
func lookup(object, name string) (string, field, bool) {
	for _, f := range systemFields {
		if strings.EqualFold(f, name) {
			return f, field{kind: system}, true
		}
	}
	for f, spec := range sobjects[object].fields {
		if strings.EqualFold(f, name) {
			return f, spec, true
		}
	}
	return "", field{}, false
}

// record is one row of the org.
type record struct {
	object            string
	id                string
	fields            map[string]any
	created, modified time.Time
}

func (r *record) get(name string) any {
	switch name {
	case "Id":
		return r.id
	case "CreatedDate":
		return r.created
	case "LastModifiedDate":
		return r.modified
	}
	return r.fields[name]
}

// apiError is an error answer: Salesforce's [{"message", "errorCode", "fields"}].
type apiError struct {
	status int
	code   string
	msg    string
	fields []string
}

// apply checks body against object's fields as Salesforce does and returns the record's fields
// after the write: old's fields updated, or the object's defaults and body for a new record. key
// is the external ID the upsert is addressed by, which the body must not carry.
func (s *Server) apply(object string, old *record, body map[string]any, key string) (map[string]any, *apiError) {
	spec := sobjects[object]
	next := maps.Clone(spec.defaults)
	if old != nil {
		next = maps.Clone(old.fields)
	}
	if next == nil {
		next = map[string]any{}
	}
	for _, k := range slices.Sorted(maps.Keys(body)) {
		v := body[k]
		name, f, ok := lookup(object, k)
		switch {
		case !ok:
			return nil, &apiError{400, "INVALID_FIELD", fmt.Sprintf("No such column '%s' on sobject of type %s", k, object), nil}
		case f.kind == system:
			return nil, &apiError{400, "INVALID_FIELD_FOR_INSERT_UPDATE", fmt.Sprintf("Unable to create/update fields: %s. Please check the security settings of this field and verify that it is read/write for your profile or permission set.", name), []string{name}}
		case name == key:
			return nil, &apiError{400, "INVALID_FIELD", fmt.Sprintf("The external ID field %s belongs in the URL of an upsert, not in its body", name), []string{name}}
		case v == nil:
			delete(next, name)
			continue
		}
		if e := s.check(name, f, v); e != nil {
			return nil, e
		}
		next[name] = v
	}
	var missing []string
	for _, name := range slices.Sorted(maps.Keys(spec.fields)) {
		if spec.fields[name].required && (next[name] == nil || next[name] == "") {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, &apiError{400, "REQUIRED_FIELD_MISSING", fmt.Sprintf("Required fields are missing: [%s]", strings.Join(missing, ", ")), missing}
	}
	return next, nil
}

// check is one value's type and size check. Like Salesforce's, its messages echo the value: the
// adapter must never pass them on.
func (s *Server) check(name string, f field, v any) *apiError {
	notA := func(what string) *apiError {
		return &apiError{400, "JSON_PARSER_ERROR", fmt.Sprintf("Cannot deserialize instance of %s from %v value for field %s", what, v, name), nil}
	}
	switch f.kind {
	case boolean:
		if _, ok := v.(bool); !ok {
			return notA("boolean")
		}
		return nil
	case number:
		if _, ok := v.(float64); !ok {
			return notA("double")
		}
		return nil
	}
	str, ok := v.(string)
	if !ok {
		return notA("string")
	}
	switch f.kind {
	case text, email, externalID:
		if n := utf8.RuneCountInString(str); n > f.max {
			return &apiError{400, "STRING_TOO_LONG", fmt.Sprintf("%s: data value too large: %s (max length=%d)", name, str, f.max), []string{name}}
		}
		if f.kind == email && !strings.Contains(str, "@") {
			return &apiError{400, "INVALID_EMAIL_ADDRESS", fmt.Sprintf("%s: invalid email address: %s", name, str), []string{name}}
		}
	case picklist:
		if !slices.Contains(f.values, str) {
			return &apiError{400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", fmt.Sprintf("%s: bad value for restricted picklist field: %s", name, str), []string{name}}
		}
	case date:
		if _, err := time.Parse(time.DateOnly, str); err != nil {
			return notA("java.util.Date")
		}
	case reference:
		if r := s.byID(str); r == nil || !slices.Contains(f.refs, r.object) {
			return &apiError{400, "INVALID_CROSS_REFERENCE_KEY", fmt.Sprintf("invalid cross reference id: %s", str), []string{name}}
		}
	}
	return nil
}

// insert adds a record, stamped with the fake's clock at Salesforce's one-second precision.
func (s *Server) insert(object string, fields map[string]any) *record {
	s.seq++
	now := s.now()
	r := &record{object: object, id: fmt.Sprintf("%s%012dAAA", sobjects[object].prefix, s.seq), fields: fields, created: now, modified: now}
	s.records = append(s.records, r)
	return r
}

func (s *Server) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Second) }

func (s *Server) byID(id string) *record {
	for _, r := range s.records {
		if r.id == id {
			return r
		}
	}
	return nil
}

// match finds the records of object whose field holds value; external IDs match case-insensitively.
func (s *Server) match(object, name, value string) []*record {
	var out []*record
	for _, r := range s.records {
		if v, ok := r.fields[name].(string); r.object == object && ok && strings.EqualFold(v, value) {
			out = append(out, r)
		}
	}
	return out
}

// taken refuses a value of a unique external ID field that another record of object holds: the
// fields Leadflow writes by are Unique as well as External ID. Seed skips this check.
func (s *Server) taken(object string, fields map[string]any, self *record) *apiError {
	for _, name := range slices.Sorted(maps.Keys(sobjects[object].fields)) {
		v, ok := fields[name].(string)
		if sobjects[object].fields[name].kind != externalID || !ok || v == "" {
			continue
		}
		for _, r := range s.match(object, name, v) {
			if r != self {
				return &apiError{400, "DUPLICATE_VALUE", fmt.Sprintf("duplicate value found: %s duplicates value on record with id: %s", name, r.id), []string{name}}
			}
		}
	}
	return nil
}

// duplicates are the records an active duplicate rule says fields would duplicate: every field of
// the rule holds the same value. self is the record being updated, which is not its own duplicate.
func (s *Server) duplicates(object string, fields map[string]any, self *record) []*record {
	var out []*record
	for _, rule := range s.rules[object] {
		for _, r := range s.records {
			if r.object != object || r == self || slices.Contains(out, r) {
				continue
			}
			same := true
			for _, f := range rule {
				a, _ := fields[f].(string)
				b, _ := r.fields[f].(string)
				same = same && a != "" && strings.EqualFold(a, b)
			}
			if same {
				out = append(out, r)
			}
		}
	}
	return out
}
