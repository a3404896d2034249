package forum

import (
	"strings"

	"github.com/engagehq/engage/services/internal/errs"
)

// The resource name patterns of the contract.
const (
	agencyPattern     = "agencies/{agency}"
	forumPattern      = "agencies/{agency}/forums/{forum}"
	threadPattern     = "agencies/{agency}/forums/{forum}/threads/{thread}"
	postPattern       = "agencies/{agency}/forums/{forum}/threads/{thread}/posts/{post}"
	moderationPattern = "agencies/{agency}/moderationItems/{moderation_item}"
)

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

// splitName matches name against pattern and returns the ids in its
// braced segments, or an error naming field.
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

func parseAgency(field, name string) (string, error) {
	ids, err := splitName(field, name, agencyPattern)
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

func parseForum(field, name string) (ForumKey, error) {
	ids, err := splitName(field, name, forumPattern)
	if err != nil {
		return ForumKey{}, err
	}
	return ForumKey{Agency: ids[0], Forum: ids[1]}, nil
}

func parseThread(field, name string) (ThreadKey, error) {
	ids, err := splitName(field, name, threadPattern)
	if err != nil {
		return ThreadKey{}, err
	}
	return ThreadKey{Agency: ids[0], Forum: ids[1], Thread: ids[2]}, nil
}

func parsePost(field, name string) (PostKey, error) {
	ids, err := splitName(field, name, postPattern)
	if err != nil {
		return PostKey{}, err
	}
	return PostKey{ThreadKey: ThreadKey{Agency: ids[0], Forum: ids[1], Thread: ids[2]}, Post: ids[3]}, nil
}

func parseModerationItem(field, name string) (agency, id string, err error) {
	ids, err := splitName(field, name, moderationPattern)
	if err != nil {
		return "", "", err
	}
	return ids[0], ids[1], nil
}

// ParseTarget parses the name of a thread or a post. Stores use it to read
// back the targets of moderation items.
func ParseTarget(name string) (Target, error) {
	if strings.Count(name, "/") == strings.Count(postPattern, "/") {
		k, err := parsePost("target", name)
		if err != nil {
			return Target{}, err
		}
		return Target{ThreadKey: k.ThreadKey, Post: k.Post}, nil
	}
	k, err := parseThread("target", name)
	if err != nil {
		return Target{}, err
	}
	return Target{ThreadKey: k}, nil
}

func agencyName(id string) string { return "agencies/" + id }

// ParseForumName parses a forum's name. Stores use it to read back what a
// request id created.
func ParseForumName(name string) (ForumKey, error) { return parseForum("forum", name) }
