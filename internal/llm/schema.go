package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/leadflow/leadflow/activities/extract"
)

// answer is the JSON object the model must produce: every key present, null where the
// conversation says nothing. Its shape is answerSchema's.
type answer struct {
	FullName        *textClaim   `json:"full_name"`
	Phone           *textClaim   `json:"phone"`
	Email           *textClaim   `json:"email"`
	Company         *textClaim   `json:"company"`
	JobTitle        *textClaim   `json:"job_title"`
	Country         *textClaim   `json:"country"`
	Language        *textClaim   `json:"language"`
	Intent          *textClaim   `json:"intent"`
	ProductInterest *listClaim   `json:"product_interest"`
	Budget          *budgetClaim `json:"budget"`
	Urgency         *textClaim   `json:"urgency"`
	CompanySize     *textClaim   `json:"company_size"`
	Summary         *textClaim   `json:"summary"`
}

type textClaim struct {
	Value      *string  `json:"value"`
	Confidence *float64 `json:"confidence"`
	Evidence   *string  `json:"evidence"`
}

type listClaim struct {
	Value      []string `json:"value"`
	Confidence *float64 `json:"confidence"`
	Evidence   *string  `json:"evidence"`
}

type budgetClaim struct {
	Amount     *float64 `json:"amount"`
	Currency   *string  `json:"currency"`
	Confidence *float64 `json:"confidence"`
	Evidence   *string  `json:"evidence"`
}

// schemaName names the schema in the request (response_format.json_schema.name, or the tool).
const schemaName = "lead_fields"

// answerSchema is the strict JSON schema of answer: OpenAI's structured outputs need every
// property required and no others, with null for "not said".
var answerSchema = json.RawMessage(buildSchema())

func buildSchema() string {
	claim := func(value string) string {
		return `{"type":"object","additionalProperties":false,"required":["value","confidence","evidence"],"properties":{` +
			`"value":` + value + `,"confidence":{"type":"number"},"evidence":{"type":["string","null"]}}}`
	}
	enum := func(values ...string) string {
		return `{"type":["string","null"],"enum":["` + strings.Join(values, `","`) + `",null]}`
	}
	text := claim(`{"type":["string","null"]}`)
	props := []string{
		`"full_name":` + text, `"phone":` + text, `"email":` + text, `"company":` + text, `"job_title":` + text,
		`"country":` + text, `"language":` + text,
		`"intent":` + claim(enum("demo_request", "price_inquiry", "purchase", "support", "partnership", "other", "spam")),
		`"product_interest":` + claim(`{"type":["array","null"],"items":{"type":"string"}}`),
		`"budget":{"type":"object","additionalProperties":false,"required":["amount","currency","confidence","evidence"],"properties":{` +
			`"amount":{"type":["number","null"]},"currency":{"type":["string","null"]},"confidence":{"type":"number"},"evidence":{"type":["string","null"]}}}`,
		`"urgency":` + claim(enum("high", "normal", "low")),
		`"company_size":` + claim(enum("1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001-10000", "10001+")),
		`"summary":` + text,
	}
	required := []string{"full_name", "phone", "email", "company", "job_title", "country", "language", "intent",
		"product_interest", "budget", "urgency", "company_size", "summary"}
	return `{"type":"object","additionalProperties":false,"required":["` + strings.Join(required, `","`) + `"],"properties":{` +
		strings.Join(props, ",") + `}}`
}

// errInvalidAnswer is an answer that is not the schema's JSON.
var errInvalidAnswer = errors.New("the model's answer does not follow the schema")

// parseAnswer reads the model's content into claims. It is lenient where models differ harmlessly
// (a code fence around the JSON, a missing key read as null, extra keys ignored) and strict where
// it matters: the JSON must be one object whose known keys have the schema's types.
func parseAnswer(content string) (extract.Claims, error) {
	s := strings.TrimSpace(content)
	if strings.HasPrefix(s, "```") { // some local models fence JSON even in JSON mode
		s = strings.TrimPrefix(strings.TrimPrefix(s, "```json"), "```")
		s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "```"))
	}
	var a answer
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return extract.Claims{}, fmt.Errorf("%w: %v", errInvalidAnswer, err)
	}
	var out extract.Claims
	for _, f := range []struct {
		dst **extract.Claim
		src *textClaim
	}{
		{&out.FullName, a.FullName}, {&out.Phone, a.Phone}, {&out.Email, a.Email}, {&out.Company, a.Company},
		{&out.JobTitle, a.JobTitle}, {&out.Country, a.Country}, {&out.Language, a.Language}, {&out.Intent, a.Intent},
		{&out.Urgency, a.Urgency}, {&out.CompanySize, a.CompanySize}, {&out.Summary, a.Summary},
	} {
		if f.src != nil && f.src.Value != nil && strings.TrimSpace(*f.src.Value) != "" {
			*f.dst = &extract.Claim{Value: *f.src.Value, Confidence: conf(f.src.Confidence), Evidence: str(f.src.Evidence)}
		}
	}
	if p := a.ProductInterest; p != nil && len(p.Value) > 0 {
		out.ProductInterest = &extract.ListClaim{Values: p.Value, Confidence: conf(p.Confidence), Evidence: str(p.Evidence)}
	}
	if b := a.Budget; b != nil && b.Amount != nil && b.Currency != nil {
		out.Budget = &extract.BudgetClaim{Amount: *b.Amount, Currency: *b.Currency, Confidence: conf(b.Confidence), Evidence: str(b.Evidence)}
	}
	return out, nil
}

// conf reads a model's confidence; one that is missing or out of range counts as none at all.
func conf(c *float64) float64 {
	if c == nil || *c < 0 || *c > 1 {
		return 0
	}
	return *c
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
