module github.com/engagehq/engage/gateway

go 1.26.0

require github.com/engagehq/engage/api v0.0.0

replace github.com/engagehq/engage/api => ../api
