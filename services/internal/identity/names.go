package identity

import (
	"strconv"
	"strings"

	"github.com/engagehq/engage/services/internal/errs"
)

// platformChain is how the platform audit chain appears in resource names.
const platformChain = "-"

// validID reports whether s is a resource id segment: 1 to 63 characters
// of [a-z0-9-], as the contract's patterns allow.
func validID(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// splitName matches name against a pattern such as
// `agencies/{agency}/partners/{partner}` and returns the ids in the braced
// segments.
func splitName(field, name, pattern string) ([]string, error) {
	parts, want := strings.Split(name, "/"), strings.Split(pattern, "/")
	if len(parts) != len(want) {
		return nil, errs.Field(field, "must look like %s", pattern)
	}
	var ids []string
	for i, w := range want {
		if strings.HasPrefix(w, "{") {
			if !validID(parts[i]) {
				return nil, errs.Field(field, "must look like %s", pattern)
			}
			ids = append(ids, parts[i])
		} else if parts[i] != w {
			return nil, errs.Field(field, "must look like %s", pattern)
		}
	}
	return ids, nil
}

func accountName(id string) string { return "accounts/" + id }
func agencyName(id string) string  { return "agencies/" + id }

func bindingName(agency, id string) string {
	return "agencies/" + agency + "/roleBindings/" + id
}

// chainParent renders a chain as the parent of its events.
func chainParent(chain string) string {
	if chain == "" {
		return agencyName(platformChain)
	}
	return agencyName(chain)
}

func auditEventName(chain string, seq int64) string {
	return chainParent(chain) + "/auditEvents/" + strconv.FormatInt(seq, 10)
}

// parseAgency returns the id of `agencies/{agency}`.
func parseAgency(field, name string) (string, error) {
	ids, err := splitName(field, name, "agencies/{agency}")
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// parseChain returns the chain of `agencies/{agency}` or `agencies/-`.
func parseChain(field, name string) (string, error) {
	if name == agencyName(platformChain) {
		return "", nil
	}
	return parseAgency(field, name)
}

// parseMember checks a role-binding member and returns the account id or
// the partner's agency and id.
func parseMember(field, member string) (account, partnerAgency, partner string, err error) {
	if strings.HasPrefix(member, "accounts/") {
		ids, err := splitName(field, member, "accounts/{account}")
		if err != nil {
			return "", "", "", err
		}
		return ids[0], "", "", nil
	}
	ids, err := splitName(field, member, "agencies/{agency}/partners/{partner}")
	if err != nil {
		return "", "", "", errs.Field(field, "must be accounts/{account} or agencies/{agency}/partners/{partner}")
	}
	return "", ids[0], ids[1], nil
}

// parseAuditEvent returns the chain and sequence of
// `agencies/{agency}/auditEvents/{sequence}`.
func parseAuditEvent(field, name string) (string, int64, error) {
	parts := strings.Split(name, "/")
	bad := errs.Field(field, "must look like agencies/{agency}/auditEvents/{sequence}")
	if len(parts) != 4 || parts[0] != "agencies" || parts[2] != "auditEvents" {
		return "", 0, bad
	}
	chain, err := parseChain(field, "agencies/"+parts[1])
	if err != nil {
		return "", 0, bad
	}
	seq, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil || seq < 1 || parts[3] != strconv.FormatInt(seq, 10) {
		return "", 0, bad
	}
	return chain, seq, nil
}
