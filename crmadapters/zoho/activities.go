package zoho

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
)

// notesPerPage is the most notes Zoho lists in one page.
const notesPerPage = 200

// noteTitle carries the note's key, which is how a retry finds a note whose answer was lost:
// Zoho has no upsert for notes.
func noteTitle(key string) string { return "Leadflow " + key }

// AddNote attaches the note to the deal (POST /crm/v2/Deals/{id}/Notes), once per key.
func (a *Adapter) AddNote(ctx context.Context, n crmadapters.Note) (string, error) {
	if err := needRef("a note", n.LeadRef); err != nil {
		return "", err
	}
	path, title := recordPath("Deals", n.LeadRef, "Notes"), noteTitle(n.Key)
	return crmadapters.Once(ctx, a.ids, name, "note", n.Key,
		func(ctx context.Context) (string, bool, error) { return a.findNote(ctx, path, title) },
		func(ctx context.Context) (string, error) {
			return a.one(ctx, http.MethodPost, path, "Notes", map[string]string{"Note_Title": title, "Note_Content": n.Body})
		})
}

// findNote pages through the deal's notes (GET /crm/v2/Deals/{id}/Notes) for the title.
func (a *Adapter) findNote(ctx context.Context, path, title string) (string, bool, error) {
	for page := 1; ; page++ {
		ans, err := a.do(ctx, http.MethodGet, fmt.Sprintf("%s?page=%d&per_page=%d", path, page, notesPerPage), nil)
		if err != nil {
			return "", false, err
		}
		if ans.Status == http.StatusNoContent {
			return "", false, nil
		}
		if !ans.OK() {
			return "", false, a.fail(ans)
		}
		var list struct {
			Data []struct {
				ID    zid    `json:"id"`
				Title string `json:"Note_Title"`
			} `json:"data"`
			Info struct {
				MoreRecords bool `json:"more_records"`
			} `json:"info"`
		}
		if err := ans.Decode(name, &list); err != nil {
			return "", false, err
		}
		for _, n := range list.Data {
			if n.Title == title {
				return string(n.ID), true, nil
			}
		}
		if !list.Info.MoreRecords {
			return "", false, nil
		}
	}
}

// CreateTask creates the task on the deal (POST /crm/v2/Tasks), once per key. Zoho's upsert does
// not take Tasks, so the key rides in the task's Leadflow_Key field, where a retry looks for it
// with COQL. The owner is left to Zoho's assignment rules: setting it needs the rep's Zoho user id.
func (a *Adapter) CreateTask(ctx context.Context, t crmadapters.Task) (string, error) {
	if err := needRef("a task", t.LeadRef); err != nil {
		return "", err
	}
	task := map[string]any{
		taskKey:       t.Key,
		"Subject":     t.Subject,
		"Description": t.Body,
		"Status":      "Not Started",
		"What_Id":     map[string]string{"id": t.LeadRef},
		"$se_module":  "Deals",
	}
	if t.ContactRef != "" {
		task["Who_Id"] = map[string]string{"id": t.ContactRef}
	}
	if !t.DueAt.IsZero() {
		task["Due_Date"] = t.DueAt.UTC().Format(time.DateOnly)
	}
	return crmadapters.Once(ctx, a.ids, name, "task", t.Key,
		func(ctx context.Context) (string, bool, error) {
			rows, err := a.query(ctx, fmt.Sprintf("select id from Tasks where %s = %s limit 1", taskKey, literal(t.Key)))
			if err != nil || len(rows) == 0 {
				return "", false, err
			}
			id, _ := rows[0]["id"].(string)
			return id, id != "", nil
		},
		func(ctx context.Context) (string, error) {
			return a.one(ctx, http.MethodPost, api+"/Tasks", "Tasks", task)
		})
}
