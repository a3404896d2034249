package forum

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"strings"
	"sync"
	"sync/atomic"

	forumv1 "github.com/engagehq/engage/api/gen/engage/forum/v1"
	"github.com/engagehq/engage/services/internal/auth"
	"github.com/engagehq/engage/services/internal/errs"
	"github.com/engagehq/engage/services/internal/pagetoken"
	"github.com/engagehq/engage/services/internal/textindex"
)

// Search keeps one in-memory text index per agency, since every search is
// within one agency: an index holds only what its searches can find.
// Threads are documents of their own group (title weighted 2, body 1);
// posts are documents in their thread's group, so a thread appears once in
// the results, represented by its best match. Only content everyone who
// may read its forum may read is indexed: hidden and deleted content
// leaves the index, and forum visibility is applied at search time.
//
// The store is the source of truth. After a write commits, the documents
// it affects are read back from the store and put into (or deleted from)
// the index, under a lock per thread; since each reads after its own
// commit and applies under the lock, the last one to apply always saw the
// latest state, so concurrent writes cannot leave a stale document behind.
//
// A new post is the exception: it is indexed from what its create saw in
// its own transaction (the post, and its thread's and forum's state),
// without reading it back. That is as fresh as a read unless another
// write's re-read of the thread's documents applied between the create's
// start and its own apply; each such re-read counts in a per-thread-lock
// counter (rereads), and a create that finds its counter moved reads the
// post back as any other write does. Creating other posts does not move
// the counter, since it cannot change a document the create writes.

// Field weights of thread documents.
const (
	titleWeight = 2
	bodyWeight  = 1
)

// scanBatch is how many documents one store read returns while the index
// is rebuilt or a thread is reindexed.
const scanBatch = 1000

type searchIndex struct {
	mu       sync.RWMutex
	byAgency map[string]*textindex.Index
	seed     maphash.Seed
	threads  [64]sync.Mutex
	// rereads counts, per thread lock, the store re-reads applied under
	// it; wide counts the re-reads of whole forums, which take no thread
	// lock.
	rereads [64]atomic.Uint64
	wide    atomic.Uint64
}

func newSearchIndex() *searchIndex {
	return &searchIndex{byAgency: map[string]*textindex.Index{}, seed: maphash.MakeSeed()}
}

// index returns the agency's index, creating it when create is set; nil
// when there is none.
func (x *searchIndex) index(agency string, create bool) *textindex.Index {
	x.mu.RLock()
	ix := x.byAgency[agency]
	x.mu.RUnlock()
	if ix != nil || !create {
		return ix
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if ix = x.byAgency[agency]; ix == nil {
		ix = textindex.New()
		x.byAgency[agency] = ix
	}
	return ix
}

// stripe is the number of the lock and counter of thread k.
func (x *searchIndex) stripe(k ThreadKey) int {
	return int(maphash.String(x.seed, k.Name()) % uint64(len(x.threads)))
}

// lockThread serializes the index updates of one thread's documents.
func (x *searchIndex) lockThread(k ThreadKey) *sync.Mutex {
	m := &x.threads[x.stripe(k)]
	m.Lock()
	return m
}

// stamp returns a number that changes whenever a store re-read of thread
// k's documents (or of its whole forum) is applied.
func (x *searchIndex) stamp(k ThreadKey) uint64 {
	return x.rereads[x.stripe(k)].Load() + x.wide.Load()
}

// reread counts a store re-read of thread k's documents; the caller holds
// the thread's lock.
func (x *searchIndex) reread(k ThreadKey) {
	x.rereads[x.stripe(k)].Add(1)
}

// apply puts a searchable document into its agency's index and deletes
// one that is not.
func (x *searchIndex) apply(doc SearchDoc) {
	name := doc.Target.Name()
	ix := x.index(doc.Target.Agency, doc.Searchable)
	switch {
	case ix == nil:
	case !doc.Searchable:
		ix.Delete(name)
	case doc.Target.IsPost():
		ix.Put(name, doc.Target.ThreadKey.Name(), textindex.Field{Text: doc.Body, Weight: bodyWeight})
	default:
		ix.Put(name, doc.Target.ThreadKey.Name(),
			textindex.Field{Text: doc.Title, Weight: titleWeight}, textindex.Field{Text: doc.Body, Weight: bodyWeight})
	}
}

// rebuildSearch indexes every searchable thread and post of the store.
func (s *Service) rebuildSearch(ctx context.Context) (int, error) {
	n := 0
	var after []byte
	for {
		docs, next, err := s.store.ScanSearchDocs(ctx, ThreadKey{}, after, scanBatch)
		if err != nil {
			return n, err
		}
		for _, d := range docs {
			if d.Searchable {
				s.search.apply(d)
				n++
			}
		}
		if next == nil {
			return n, nil
		}
		after = next
	}
}

// reindexDoc brings one thread's or post's document up to date after a
// write that changed only it (its text, or a post's state).
func (s *Service) reindexDoc(ctx context.Context, t Target) {
	defer s.search.lockThread(t.ThreadKey).Unlock()
	s.rereadDoc(ctx, t)
}

// indexNewPost indexes a post just created from doc, what its create
// saw, unless a re-read of its thread was applied since stamp was taken
// before the create: then it reads the post back from the store.
func (s *Service) indexNewPost(ctx context.Context, doc SearchDoc, stamp uint64) {
	defer s.search.lockThread(doc.Target.ThreadKey).Unlock()
	if s.search.stamp(doc.Target.ThreadKey) != stamp {
		s.rereadDoc(ctx, doc.Target)
		return
	}
	s.search.apply(doc)
}

// rereadDoc reads one document from the store and applies it; the caller
// holds its thread's lock.
func (s *Service) rereadDoc(ctx context.Context, t Target) {
	defer s.search.reread(t.ThreadKey)
	doc, err := s.store.SearchDoc(ctx, t)
	if errors.Is(err, errs.NotFound) {
		doc, err = SearchDoc{Target: t}, nil
	}
	if err != nil {
		s.log.ErrorContext(ctx, "search index not updated", "target", t.Name(), "err", err)
		return
	}
	s.search.apply(doc)
}

// reindex brings the documents of a thread, or of a whole forum, up to
// date after a write that changed whether all of them are searchable: a
// thread hidden, restored or deleted, a forum deleted. A failure is
// logged, not returned: the write it follows has been committed, and the
// next restart rebuilds the index.
func (s *Service) reindex(ctx context.Context, scope ThreadKey) {
	if scope.Thread != "" {
		defer s.search.lockThread(scope).Unlock()
		defer s.search.reread(scope)
	} else {
		s.search.wide.Add(1)
	}
	var after []byte
	for {
		docs, next, err := s.store.ScanSearchDocs(ctx, scope, after, scanBatch)
		if err != nil {
			s.log.ErrorContext(ctx, "search index not updated", "scope", scope.Name(), "err", err)
			return
		}
		for _, d := range docs {
			s.search.apply(d)
		}
		if next == nil {
			return
		}
		after = next
	}
}

// SearchThreads searches the threads and posts of the agency's forums the
// caller may read (or of one of them). Results are threads, each with its
// best match; a page token carries the score and thread of the page's last
// result, bound to the agency, the forum and the query, and the next page
// starts after it: a better match written meanwhile does not push a
// result seen already onto the next page.
func (s *threadServer) SearchThreads(ctx context.Context, req *forumv1.SearchThreadsRequest) (*forumv1.SearchThreadsResponse, error) {
	agency, err := parseAgency("parent", req.GetParent())
	if err != nil {
		return nil, err
	}
	query := strings.TrimSpace(req.GetQuery())
	if query == "" {
		return nil, errs.Field("query", "is required")
	}
	only := req.GetForum()
	if only != "" {
		k, err := parseForum("forum", only)
		if err != nil {
			return nil, err
		}
		if k.Agency != agency {
			return nil, errs.Field("forum", "must be a forum of %s", req.GetParent())
		}
		if err := s.canReadForum(ctx, only); err != nil {
			return nil, err
		}
	}
	scope := "search:" + agency + "|" + only + "|" + query
	size := pagetoken.Size(req.GetPageSize(), defaultSearchPage, maxSearchPage)
	cursor, err := pagetoken.Decode(req.GetPageToken(), scope)
	if err != nil {
		return nil, err
	}
	var after *textindex.Hit
	if cursor != nil {
		// A token carries a score and the thread it belongs to; one of
		// only 8 bytes is an offset from before tokens named the thread.
		if len(cursor) <= 8 {
			return nil, errs.Field("page_token", "is malformed; repeat the request without page_token to start over")
		}
		after = &textindex.Hit{Score: math.Float64frombits(binary.BigEndian.Uint64(cursor)), Group: string(cursor[8:])}
	}
	resp := &forumv1.SearchThreadsResponse{}
	ix := s.search.index(agency, false)
	if ix == nil {
		return resp, nil
	}
	p := auth.FromContext(ctx)
	readable, err := s.readableForums(ctx, p, agency)
	if err != nil {
		return nil, err
	}
	hits, rest := ix.Search(query, textindex.Query{Limit: size, After: after, AllowGroup: func(group string) bool {
		f, _, _ := strings.Cut(group, "/threads/")
		return readable[f] && (only == "" || f == only)
	}})
	if len(hits) < rest {
		last := hits[len(hits)-1]
		resp.NextPageToken = pagetoken.Encode(scope, append(binary.BigEndian.AppendUint64(nil, math.Float64bits(last.Score)), last.Group...))
	}
	results, targets, err := s.searchResults(ctx, p, query, hits)
	if err != nil {
		return nil, err
	}
	voted, err := s.store.Voted(ctx, p.Name, targets)
	if err != nil {
		return nil, fmt.Errorf("search threads: %w", err)
	}
	for i, r := range results {
		if voted[i] {
			r.Thread.ViewerVote = 1
		}
	}
	resp.Results = results
	return resp, nil
}

// readableForums returns the names of the agency's forums p may read.
func (s *Service) readableForums(ctx context.Context, p auth.Principal, agency string) (map[string]bool, error) {
	out := map[string]bool{}
	page := Page{Size: maxForumPage}
	for {
		list, next, err := s.store.ListForums(ctx, agency, page, func(f Forum) bool { return mayReadForum(p, f) })
		if err != nil {
			return nil, fmt.Errorf("search threads: %w", err)
		}
		for _, f := range list {
			out[f.Key().Name()] = true
		}
		if next == nil {
			return out, nil
		}
		page.After = next
	}
}

// searchResults reads the page's threads and matched posts from the store
// and cuts their snippets. A hit whose content changed since it was
// indexed so that the caller may no longer see it is left out.
func (s *Service) searchResults(ctx context.Context, p auth.Principal, query string, hits []textindex.Hit) ([]*forumv1.SearchResult, []Target, error) {
	var results []*forumv1.SearchResult
	var targets []Target
	for _, h := range hits {
		t, err := ParseTarget(h.DocID)
		if err != nil {
			return nil, nil, fmt.Errorf("search threads: indexed document %q: %w", h.DocID, err)
		}
		var c Content
		if t.IsPost() {
			c, err = s.store.Post(ctx, t.PostKey())
		} else {
			c, err = s.store.Thread(ctx, t.ThreadKey)
		}
		if errors.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("search threads: %w", err)
		}
		if !maySee(p, c) {
			continue
		}
		r := &forumv1.SearchResult{Thread: threadToProto(c.Thread, false), Score: h.Score}
		text := c.Thread.Title + "\n\n" + c.Thread.Body
		if c.Post != nil {
			r.Post, text = t.Name(), c.Post.Body
		}
		snippet, marks := textindex.Snippet(text, query, 0)
		r.Snippet = snippet
		for _, m := range marks {
			r.Highlights = append(r.Highlights, &forumv1.Highlight{Start: int32(m.Start), End: int32(m.End)})
		}
		results = append(results, r)
		targets = append(targets, Target{ThreadKey: t.ThreadKey})
	}
	return results, targets, nil
}
