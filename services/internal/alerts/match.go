package alerts

import (
	"math"
	"strings"
	"time"

	alertsv1 "github.com/engagehq/engage/api/gen/engage/alerts/v1"
	"google.golang.org/genproto/googleapis/type/latlng"
	"google.golang.org/protobuf/proto"
)

// filter selects alerts for ListAlerts and StreamAlerts: by where the
// reader is, what kinds of alert they want and how severe, and, for a
// saved subscription, its quiet hours. The zero filter matches every
// alert.
type filter struct {
	// point, when set, keeps alerts with an area containing it.
	point *latlng.LatLng
	// points, when set, keeps alerts with an area containing any of them
	// (a subscription's places); it applies together with point.
	points []*latlng.LatLng
	// categories, when set, keeps alerts with one of them.
	categories []alertsv1.Category
	// minSeverity, when set, keeps alerts at least this severe.
	minSeverity alertsv1.Severity
	// language selects the info blocks shown (see localize); it does not
	// decide whether an alert matches.
	language string
	// quiet, when set, keeps only SEVERE and EXTREME alerts sent during
	// the quiet hours.
	quiet *quietHours
}

// matches tells whether a passes the filter: when ANY of its info blocks
// has one of the categories, is at least the minimum severity (SEVERE
// during quiet hours, judged at the alert's send time) and has an area
// containing the point (and one of the points).
//
// An area with no polygon, circle or geocode covers the agency's whole
// jurisdiction and so contains every point. District codes (geocodes)
// cannot be placed on a map here, so an area with only geocodes contains
// no point: such an alert matches a point filter only through another
// area, and matches every filter without a point.
func (f filter) matches(a *alertsv1.Alert) bool {
	minSev := f.minSeverity
	if f.quiet != nil && a.GetSendTime() != nil && f.quiet.contains(a.GetSendTime().AsTime()) && minSev < alertsv1.Severity_SEVERITY_SEVERE {
		minSev = alertsv1.Severity_SEVERITY_SEVERE
	}
	for _, info := range a.GetInfos() {
		if minSev != alertsv1.Severity_SEVERITY_UNSPECIFIED && info.GetSeverity() < minSev {
			continue
		}
		if len(f.categories) > 0 && !anyCategory(info.GetCategories(), f.categories) {
			continue
		}
		if f.point != nil && !infoContains(info, f.point) {
			continue
		}
		if len(f.points) > 0 && !infoContainsAny(info, f.points) {
			continue
		}
		return true
	}
	return false
}

// anyCategory tells whether have and want share a category.
func anyCategory(have, want []alertsv1.Category) bool {
	for _, h := range have {
		for _, w := range want {
			if h == w {
				return true
			}
		}
	}
	return false
}

// infoContainsAny tells whether one of info's areas contains one of pts.
func infoContainsAny(info *alertsv1.Info, pts []*latlng.LatLng) bool {
	for _, p := range pts {
		if infoContains(info, p) {
			return true
		}
	}
	return false
}

// infoContains tells whether one of info's areas contains p.
func infoContains(info *alertsv1.Info, p *latlng.LatLng) bool {
	for _, area := range info.GetAreas() {
		if areaContains(area, p) {
			return true
		}
	}
	return false
}

// areaContains tells whether area contains p: an area without shapes or
// codes is the whole jurisdiction; otherwise one of its polygons or
// circles must contain p (geocodes contain no point).
func areaContains(area *alertsv1.Area, p *latlng.LatLng) bool {
	if len(area.GetPolygons()) == 0 && len(area.GetCircles()) == 0 && len(area.GetGeocodes()) == 0 {
		return true
	}
	for _, poly := range area.GetPolygons() {
		if polygonContains(poly.GetPoints(), p) {
			return true
		}
	}
	for _, c := range area.GetCircles() {
		if c.GetCenter() != nil && distanceKm(c.GetCenter(), p) <= c.GetRadiusKm() {
			return true
		}
	}
	return false
}

// pointEpsilon is how close, in degrees (about 1 cm), a point must be to
// a polygon's edge to count as on it.
const pointEpsilon = 1e-7

// polygonContains tells whether p is inside the polygon ring pts, or on
// one of its edges or vertices, by casting a ray east from p and counting
// the edges it crosses. Longitude is x and latitude y: CAP areas are
// small enough that the plane is a good approximation, and polygons
// crossing the antimeridian are not supported. The ring need not repeat
// its first point.
func polygonContains(pts []*latlng.LatLng, p *latlng.LatLng) bool {
	n := len(pts)
	if n < 3 {
		return false
	}
	x, y := p.GetLongitude(), p.GetLatitude()
	inside := false
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		xi, yi := pts[i].GetLongitude(), pts[i].GetLatitude()
		xj, yj := pts[j].GetLongitude(), pts[j].GetLatitude()
		if onSegment(x, y, xi, yi, xj, yj) {
			return true
		}
		if (yi > y) != (yj > y) && x < (xj-xi)*(y-yi)/(yj-yi)+xi {
			inside = !inside
		}
	}
	return inside
}

// onSegment tells whether (x, y) lies on the segment from (x1, y1) to
// (x2, y2), within pointEpsilon.
func onSegment(x, y, x1, y1, x2, y2 float64) bool {
	if x < math.Min(x1, x2)-pointEpsilon || x > math.Max(x1, x2)+pointEpsilon ||
		y < math.Min(y1, y2)-pointEpsilon || y > math.Max(y1, y2)+pointEpsilon {
		return false
	}
	dx, dy := x2-x1, y2-y1
	length := math.Hypot(dx, dy)
	if length == 0 {
		return math.Hypot(x-x1, y-y1) <= pointEpsilon
	}
	// The distance from the point to the segment's line.
	return math.Abs(dx*(y-y1)-dy*(x-x1))/length <= pointEpsilon
}

// earthRadiusKm is the mean radius of the Earth (IUGG).
const earthRadiusKm = 6371.0088

// distanceKm is the great-circle distance between a and b by the
// haversine formula.
func distanceKm(a, b *latlng.LatLng) float64 {
	rad := math.Pi / 180
	lat1, lat2 := a.GetLatitude()*rad, b.GetLatitude()*rad
	dLat := lat2 - lat1
	dLon := (b.GetLongitude() - a.GetLongitude()) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1)*math.Cos(lat2)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// quietHours is a daily window, in minutes after midnight in loc, during
// which a subscription receives only SEVERE and EXTREME alerts. A window
// whose end is before its start runs over midnight.
type quietHours struct {
	start, end int
	loc        *time.Location
}

// quietHoursOf returns q as quietHours in its time zone, or in agencyLoc
// when q names none; nil when q is nil, its start equals its end, or its
// time zone is unknown (the subscription's validation refuses those).
func quietHoursOf(q *alertsv1.QuietHours, agencyLoc *time.Location) *quietHours {
	if q == nil || q.GetStart() == nil || q.GetEnd() == nil {
		return nil
	}
	loc := agencyLoc
	if tz := q.GetTimeZone(); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return nil
		}
		loc = l
	}
	if loc == nil {
		loc = time.UTC
	}
	start := int(q.GetStart().GetHours())*60 + int(q.GetStart().GetMinutes())
	end := int(q.GetEnd().GetHours())*60 + int(q.GetEnd().GetMinutes())
	if start == end {
		return nil
	}
	return &quietHours{start: start, end: end, loc: loc}
}

// contains tells whether t falls in the quiet hours: from start
// (included) to end (excluded).
func (q *quietHours) contains(t time.Time) bool {
	lt := t.In(q.loc)
	m := lt.Hour()*60 + lt.Minute()
	if q.start < q.end {
		return q.start <= m && m < q.end
	}
	return m >= q.start || m < q.end
}

// localize returns a copy of a with only the info blocks in language: a
// block matches when its tag is the language, case-insensitively, or a
// more or less specific form of it (`es` matches `es-MX`, and `es-MX`
// matches `es`); a block without a language is `en-US`. When no block
// matches, the copy keeps the first block; with no language, all of
// them. a itself is never changed.
func localize(a *alertsv1.Alert, language string) *alertsv1.Alert {
	c := proto.Clone(a).(*alertsv1.Alert)
	if language == "" || len(c.GetInfos()) == 0 {
		return c
	}
	var kept []*alertsv1.Info
	for _, info := range c.GetInfos() {
		if languageMatches(info.GetLanguageCode(), language) {
			kept = append(kept, info)
		}
	}
	if len(kept) == 0 {
		kept = c.GetInfos()[:1]
	}
	c.Infos = kept
	return c
}

// languageMatches tells whether an info block's tag answers a request
// for want.
func languageMatches(tag, want string) bool {
	if tag == "" {
		tag = "en-US"
	}
	tag, want = strings.ToLower(tag), strings.ToLower(want)
	return tag == want || strings.HasPrefix(tag, want+"-") || strings.HasPrefix(want, tag+"-")
}

// maxSeverity returns the highest severity among a's info blocks, ordered
// by enum value (UNKNOWN < MINOR < MODERATE < SEVERE < EXTREME);
// SEVERITY_UNSPECIFIED when it has none.
func maxSeverity(a *alertsv1.Alert) alertsv1.Severity {
	max := alertsv1.Severity_SEVERITY_UNSPECIFIED
	for _, info := range a.GetInfos() {
		if info.GetSeverity() > max {
			max = info.GetSeverity()
		}
	}
	return max
}
