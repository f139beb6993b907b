package store_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/routing"
	"github.com/leadflow/leadflow/internal/store"
)

// A notification remembers, per channel, where it went: a retry skips those channels. The
// notification itself counts as delivered only when marked so.
func TestNotificationChannelsDelivered(t *testing.T) {
	ctx, st := newStore(t)
	const id = "ld-1:new-lead"
	created, err := st.AddNotification(ctx, store.Notification{NotificationID: id, LeadID: "ld-1", RepID: "rep-1", Kind: "new_lead"})
	require.NoError(t, err)
	require.True(t, created)

	got, err := st.ChannelsDelivered(ctx, id)
	require.NoError(t, err)
	assert.Empty(t, got)

	require.NoError(t, st.MarkChannelDelivered(ctx, id, "slack"))
	require.NoError(t, st.MarkChannelDelivered(ctx, id, "slack")) // a repeat is a no-op
	require.NoError(t, st.MarkChannelDelivered(ctx, id, "webhook"))
	require.NoError(t, st.MarkChannelDelivered(ctx, "ld-2:new-lead", "email"))
	got, err = st.ChannelsDelivered(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"slack": true, "webhook": true}, got)
	assert.Equal(t, 3, count(t, st, `SELECT count(*) FROM notification_deliveries`))

	delivered, err := st.NotificationDelivered(ctx, id)
	require.NoError(t, err)
	assert.False(t, delivered, "channels alone do not mark the notification")
	require.NoError(t, st.MarkNotificationDelivered(ctx, id))
	delivered, err = st.NotificationDelivered(ctx, id)
	require.NoError(t, err)
	assert.True(t, delivered)
}

// The rep's notify settings round-trip through the jsonb column.
func TestRepNotifyChannelsRoundTrip(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	hook, slack, chat := "https://hooks.example.com/x", "https://hooks.slack.com/services/T/B/X", "@leadflow_desk"
	putRep(t, st, "t", "rep-1", func(r *store.Rep) {
		r.Notify = routing.RepNotify{WebhookURL: &hook, SlackWebhookURL: &slack, TelegramChatID: &chat, Email: true}
	})
	r, err := st.RepByID(ctx, "rep-1")
	require.NoError(t, err)
	assert.Equal(t, routing.RepNotify{WebhookURL: &hook, SlackWebhookURL: &slack, TelegramChatID: &chat, Email: true}, r.Notify)
}
