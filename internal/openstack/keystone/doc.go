// Package keystone is intercloud's Keystone: the OpenStack Identity API v3
// as the openstack CLI, gophercloud and Terraform speak it — version
// discovery, password and token authentication, token validation and
// revocation, the service catalog, and the projects, users and roles a lab
// needs.
//
// # One Keystone, one region per cloud
//
// The lab runs a single Keystone and registers each cloud of the topology as
// a region. This is how real multi-region OpenStack is deployed (one
// identity service, a catalog with an endpoint per region), and it is what
// the clouds need from each other: Neutron-to-Neutron interconnection has
// one cloud check the other's API with a token, which a shared Keystone
// makes plain. A user picks a cloud the way OpenStack users pick a region
// (OS_REGION_NAME, gophercloud's EndpointOpts.Region); OS_AUTH_URL is the
// same for every cloud. The identity endpoint is listed in every region
// because clients look identity up in the region they were told to use.
// SeedFromModel fixes the addresses: Keystone at BASE/v3 and each cloud's
// Neutron at BASE/CLOUD/network/, listed for the public, internal and
// admin interfaces alike. The lab daemon (internal/cloudapi) serves the
// Neutrons under ADDR/cloud/ and Keystone at ADDR/identity/, so
// OS_AUTH_URL is http://ADDR/identity/v3.
//
// # Seeded identities
//
// Bootstrap creates, idempotently: the Default domain (id "default"), the
// roles admin and member, the project "admin" and user "admin" with the
// admin role on it, and for every cloud C a project "demo-C" and user
// "demo-C" with the member role on it, on which the admin has the admin
// role too (as in DevStack). Every seeded user's password is
// Seed.Password (DefaultPassword when empty), so a lab's openrc can be
// printed without reading secrets from anywhere. Passwords are stored as
// salted PBKDF2-SHA256 hashes.
//
// # Tokens
//
// Tokens are 32 random bytes, base64url encoded. The database keeps only
// their SHA-256 (a copy of the database grants nothing), with the user,
// project, methods, audit id, issue and expiry times, so tokens outlive a
// daemon restart. A revoked token is deleted; an expired one is refused
// and swept when new tokens are issued. Token authentication (rescoping)
// keeps the original token's expiry and audit chain, as Keystone does.
//
// # Authorization
//
// Keystone's policy is reduced to what the lab needs: a token carrying the
// admin role may read everything; other tokens may read their own user,
// the projects they hold roles on, and validate their own tokens.
package keystone
