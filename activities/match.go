package activities

import (
	"context"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

// MatchInput is the person to look for: the extracted fields (Phone E.164 and Email lower-case,
// as extraction normalised them) and the channel's account id.
type MatchInput struct {
	LeadID     string
	Phone      string
	Email      string
	Name       string `json:",omitempty"`
	Company    string `json:",omitempty"`
	Channel    string `json:",omitempty"`
	ExternalID string `json:",omitempty"`
	Country    string `json:",omitempty"`
}

// MatchResult is the contact the lead belongs to.
type MatchResult struct {
	ContactID    string
	IsNewContact bool
	Match        lead.Match
}

// MatchContact finds the person among existing contacts, or creates them.
func (a *Activities) MatchContact(ctx context.Context, in MatchInput) (MatchResult, error) {
	if in.LeadID == "" || (in.Phone == "" && in.Email == "") {
		return MatchResult{}, invalid("match: a lead id and a phone or an email are required", nil)
	}
	res, err := a.Store.MatchContact(ctx, store.MatchRequest{LeadID: in.LeadID, Phone: in.Phone,
		Email: in.Email, Name: in.Name, Company: in.Company, Channel: in.Channel, ExternalID: in.ExternalID, Country: in.Country})
	if err != nil {
		return MatchResult{}, classify("match", err)
	}
	return MatchResult{ContactID: res.ContactID, IsNewContact: res.IsNewContact, Match: res.Match}, nil
}
