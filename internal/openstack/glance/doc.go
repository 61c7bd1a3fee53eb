// Package glance is a cloud's Image service (Glance's image API v2), read
// only: a fixed set of public images, metadata without disk data, enough
// for clients to find an image by name or id and for Nova to boot it.
//
// The images are the same in every cloud and on every start, and their
// ids are derived from their names, so a server created on one start
// still names an image the next start lists: nothing is stored.
package glance
