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
	SenderName string `json:",omitempty"`
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

// NewMatchInput is who a conversation says its person is: the fields as read, and the account and
// display name that the sender of the conversation's channel gave. The workflow and make eval both
// build the match from it, so the eval scores what production does.
func NewMatchInput(leadID string, f lead.Fields, channel lead.Channel, country string, sender *lead.Sender) MatchInput {
	in := MatchInput{LeadID: leadID, Phone: f.Phone.Or(""), Email: f.Email.Or(""), Name: f.FullName.Or(""),
		Company: f.Company.Or(""), Channel: string(channel), Country: country}
	if sender != nil {
		in.ExternalID, in.SenderName = deref(sender.ExternalID), deref(sender.Name)
	}
	return in
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Request is the store's form of the input.
func (in MatchInput) Request() store.MatchRequest {
	return store.MatchRequest{LeadID: in.LeadID, Phone: in.Phone, Email: in.Email, Name: in.Name, SenderName: in.SenderName,
		Company: in.Company, Channel: in.Channel, ExternalID: in.ExternalID, Country: in.Country}
}

// MatchContact finds the person among existing contacts, or creates them.
func (a *Activities) MatchContact(ctx context.Context, in MatchInput) (MatchResult, error) {
	if in.LeadID == "" || (in.Phone == "" && in.Email == "") {
		return MatchResult{}, invalid("match: a lead id and a phone or an email are required", nil)
	}
	res, err := a.Store.MatchContact(ctx, in.Request())
	if err != nil {
		return MatchResult{}, classify("match", err)
	}
	return MatchResult{ContactID: res.ContactID, IsNewContact: res.IsNewContact, Match: res.Match}, nil
}
