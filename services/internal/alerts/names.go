package alerts

import (
	"net/url"

	"github.com/engagehq/engage/services/internal/ids"
	"github.com/engagehq/engage/services/internal/resname"
)

// The resource name patterns.
const (
	agencyPattern = "agencies/{agency}"
	alertPattern  = "agencies/{agency}/alerts/{alert}"
)

// parseAgency parses `agencies/{agency}` and returns the agency id.
func parseAgency(field, name string) (string, error) {
	ids, err := resname.Split(field, name, agencyPattern)
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// parseAlert parses `agencies/{agency}/alerts/{alert}` and returns the
// agency id.
func parseAlert(field, name string) (string, error) {
	ids, err := resname.Split(field, name, alertPattern)
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// agencyName returns the name of the agency with id.
func agencyName(id string) string { return "agencies/" + id }

// newAlertName returns the name of a new alert of agency (an id) and its
// CAP identifier, `urn:uuid:{alert id}`: the alert ids are UUIDs, unique
// across agencies, so the identifier is unique to the message as CAP
// requires, and it holds none of the characters CAP forbids in
// identifiers (space, comma, `<`, `&`).
func newAlertName(agency string) (name, messageID string) {
	id := ids.New()
	return agencyName(agency) + "/alerts/" + id, "urn:uuid:" + id
}

// sender is the CAP sender of agency's messages, `{agency}@{host}` with
// the host of Config.PublicURL.
func (s *Service) sender(agency string) string {
	host := "engage.invalid"
	if u, err := url.Parse(s.cfg.PublicURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return agency + "@" + host
}
