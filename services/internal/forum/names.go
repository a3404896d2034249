package forum

import (
	"strings"

	"github.com/engagehq/engage/services/internal/resname"
)

// The resource name patterns of the contract.
const (
	agencyPattern     = "agencies/{agency}"
	forumPattern      = "agencies/{agency}/forums/{forum}"
	threadPattern     = "agencies/{agency}/forums/{forum}/threads/{thread}"
	postPattern       = "agencies/{agency}/forums/{forum}/threads/{thread}/posts/{post}"
	moderationPattern = "agencies/{agency}/moderationItems/{moderation_item}"
)

func parseAgency(field, name string) (string, error) {
	ids, err := resname.Split(field, name, agencyPattern)
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

func parseForum(field, name string) (ForumKey, error) {
	ids, err := resname.Split(field, name, forumPattern)
	if err != nil {
		return ForumKey{}, err
	}
	return ForumKey{Agency: ids[0], Forum: ids[1]}, nil
}

func parseThread(field, name string) (ThreadKey, error) {
	ids, err := resname.Split(field, name, threadPattern)
	if err != nil {
		return ThreadKey{}, err
	}
	return ThreadKey{Agency: ids[0], Forum: ids[1], Thread: ids[2]}, nil
}

func parsePost(field, name string) (PostKey, error) {
	ids, err := resname.Split(field, name, postPattern)
	if err != nil {
		return PostKey{}, err
	}
	return PostKey{ThreadKey: ThreadKey{Agency: ids[0], Forum: ids[1], Thread: ids[2]}, Post: ids[3]}, nil
}

func parseModerationItem(field, name string) (agency, id string, err error) {
	ids, err := resname.Split(field, name, moderationPattern)
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

// ParseForumName parses a forum's name. Stores use it to read back what a
// request id created.
func ParseForumName(name string) (ForumKey, error) { return parseForum("forum", name) }
