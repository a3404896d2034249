package feedback

import "testing"

// TestSameSubmissionWithoutAStoredHash checks feedback stored before
// submissions were hashed: a retry is compared with its fields as they
// are, and refused once triage has changed them.
func TestSameSubmissionWithoutAStoredHash(t *testing.T) {
	t.Parallel()
	sent := Feedback{Category: "courtesy", Text: "Rude", Rating: 2, Area: "north", Location: &FeedbackLocation{Latitude: 1, Longitude: 2}}
	sent.SubmissionHash = submissionHash(sent)
	stored := sent
	stored.SubmissionHash, stored.Location = nil, &FeedbackLocation{Latitude: 1, Longitude: 2}
	if !sameSubmission(stored, sent) {
		t.Fatal("a repeat of feedback stored without a hash was refused")
	}
	stored.Area = "south"
	if sameSubmission(stored, sent) {
		t.Fatal("a retry of feedback triaged since, stored without a hash, was taken for a repeat")
	}
	other := sent
	other.Text = "Polite"
	other.SubmissionHash = submissionHash(other)
	if sameSubmission(sent, other) {
		t.Fatal("another text was taken for a repeat")
	}
}
