package feedback

import (
	"strings"

	"github.com/engagehq/engage/services/internal/errs"

	"github.com/engagehq/engage/services/internal/resname"
)

// The resource name patterns of feedback and its notes.
const (
	feedbackAgencyPattern = "agencies/{agency}"
	feedbackPattern       = "agencies/{agency}/feedback/{feedback}"
	notePattern           = "agencies/{agency}/feedback/{feedback}/notes/{note}"
)

// feedbackName returns the resource name of feedback.
func feedbackName(agency, id string) string { return "agencies/" + agency + "/feedback/" + id }

// parseFeedbackParent parses `agencies/{agency}`, naming field when it is
// malformed.
func parseFeedbackParent(field, name string) (string, error) {
	ids, err := resname.Split(field, name, feedbackAgencyPattern)
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// parseFeedbackName parses `agencies/{agency}/feedback/{feedback}`.
func parseFeedbackName(field, name string) (agency, id string, err error) {
	ids, err := resname.Split(field, name, feedbackPattern)
	if err != nil {
		return "", "", err
	}
	return ids[0], ids[1], nil
}

// parseNoteName parses a note's name.
func parseNoteName(field, name string) (agency, fb, id string, err error) {
	ids, err := resname.Split(field, name, notePattern)
	if err != nil {
		return "", "", "", err
	}
	return ids[0], ids[1], ids[2], nil
}

// parseStatsName parses `agencies/{agency}/{singleton}`, e.g.
// `agencies/metro/feedbackStats`.
func parseStatsName(field, name, singleton string) (string, error) {
	rest, ok := strings.CutSuffix(name, "/"+singleton)
	if !ok {
		return "", errs.Field(field, "must look like agencies/{agency}/%s", singleton)
	}
	return parseFeedbackParent(field, rest)
}
