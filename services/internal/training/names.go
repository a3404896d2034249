package training

import (
	"strings"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/resname"
)

// The resource name patterns.
const (
	agencyPattern        = "agencies/{agency}"
	coursePattern        = "agencies/{agency}/courses/{course}"
	officerPattern       = "agencies/{agency}/officers/{officer}"
	enrollmentPattern    = "agencies/{agency}/officers/{officer}/enrollments/{enrollment}"
	certificationPattern = "agencies/{agency}/officers/{officer}/certifications/{certification}"
	externalPattern      = "agencies/{agency}/officers/{officer}/externalTrainings/{external_training}"
)

// allOfficers is the officer id that stands for every officer of an agency
// in a list's parent.
const allOfficers = "-"

// parseAgency parses `agencies/{agency}` and returns the agency id.
func parseAgency(field, name string) (string, error) {
	ids, err := resname.Split(field, name, agencyPattern)
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// parseSingleton parses `agencies/{agency}/{singleton}`, e.g.
// `agencies/metro/trainingCompliance`, and returns the agency id.
func parseSingleton(field, name, singleton string) (string, error) {
	rest, ok := strings.CutSuffix(name, "/"+singleton)
	if !ok {
		return "", errs.Field(field, "must look like agencies/{agency}/%s", singleton)
	}
	return parseAgency(field, rest)
}

// parseChild parses a name of pattern (one of the patterns above) and
// returns its agency id and the name's ids after the agency.
func parseChild(field, name, pattern string) (agency string, ids []string, err error) {
	all, err := resname.Split(field, name, pattern)
	if err != nil {
		return "", nil, err
	}
	return all[0], all[1:], nil
}

// officerOf returns the officer's name a name under an officer starts with
// (`agencies/a/officers/o/enrollments/e` → `agencies/a/officers/o`).
func officerOf(name string) string {
	parts := strings.SplitN(name, "/", 5)
	if len(parts) < 4 {
		return ""
	}
	return strings.Join(parts[:4], "/")
}

// agencyName returns the name of the agency with id.
func agencyName(id string) string { return "agencies/" + id }
