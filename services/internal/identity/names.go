package identity

import (
	"strconv"
	"strings"

	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/resname"
)

// platformChain is how the platform audit chain appears in resource names.
const platformChain = "-"

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
	ids, err := resname.Split(field, name, "agencies/{agency}")
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
		ids, err := resname.Split(field, member, "accounts/{account}")
		if err != nil {
			return "", "", "", err
		}
		return ids[0], "", "", nil
	}
	ids, err := resname.Split(field, member, "agencies/{agency}/partners/{partner}")
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
