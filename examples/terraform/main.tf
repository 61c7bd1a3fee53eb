# A tenant network with a router, a security group, a port and a VM on it,
# in one cloud of a running intercloud lab, with the OpenStack provider.
#
#   eval "$(intercloud openrc cloud2)"
#   tofu init            # or terraform init; not needed with dev_overrides
#   tofu apply
#   tofu destroy
#
# external_network names the external network (router:external) for the
# router's gateway and a floating IP: public, which every cloud of the lab
# starts with, as DevStack's do; -var external_network= for none.

terraform {
  required_providers {
    openstack = {
      source  = "terraform-provider-openstack/openstack"
      version = ">= 3.0"
    }
  }
}

# Credentials, project and region come from the OS_* environment that
# `intercloud openrc CLOUD` prints (or OS_CLOUD and a clouds.yaml).
provider "openstack" {}

variable "external_network" {
  description = "Name of an external network for the router gateway and a floating IP; empty for none."
  type        = string
  default     = "public"
}

variable "image" {
  type    = string
  default = "cirros-0.6.2-x86_64-disk"
}

variable "flavor" {
  type    = string
  default = "m1.tiny"
}

variable "vm_name" {
  type    = string
  default = "vm1"
}

variable "vm_metadata" {
  description = "Metadata the VM carries (Nova's server metadata)."
  type        = map(string)
  default     = { role = "web" }
}

variable "cidr" {
  type    = string
  default = "192.168.50.0/24"
}

data "openstack_networking_network_v2" "external" {
  count    = var.external_network == "" ? 0 : 1
  name     = var.external_network
  external = true
}

data "openstack_images_image_v2" "image" {
  name        = var.image
  most_recent = true
}

data "openstack_compute_flavor_v2" "flavor" {
  name = var.flavor
}

resource "openstack_networking_network_v2" "app" {
  name           = "app"
  admin_state_up = true
  tags           = ["terraform"]
}

resource "openstack_networking_subnet_v2" "app" {
  name            = "app-v4"
  network_id      = openstack_networking_network_v2.app.id
  cidr            = var.cidr
  ip_version      = 4
  gateway_ip      = cidrhost(var.cidr, 1)
  dns_nameservers = ["192.0.2.53"]

  allocation_pool {
    start = cidrhost(var.cidr, 100)
    end   = cidrhost(var.cidr, 199)
  }
}

resource "openstack_networking_router_v2" "app" {
  name                = "app-router"
  admin_state_up      = true
  external_network_id = one(data.openstack_networking_network_v2.external[*].id)
}

resource "openstack_networking_router_interface_v2" "app" {
  router_id = openstack_networking_router_v2.app.id
  subnet_id = openstack_networking_subnet_v2.app.id
}

# The group's own rules replace Neutron's defaults (egress anywhere).
resource "openstack_networking_secgroup_v2" "web" {
  name                 = "web"
  description          = "ssh, http and ping from anywhere, anything from the group"
  delete_default_rules = true
  tags                 = ["terraform"]
}

resource "openstack_networking_secgroup_rule_v2" "egress" {
  security_group_id = openstack_networking_secgroup_v2.web.id
  direction         = "egress"
  ethertype         = "IPv4"
}

resource "openstack_networking_secgroup_rule_v2" "ssh" {
  security_group_id = openstack_networking_secgroup_v2.web.id
  direction         = "ingress"
  ethertype         = "IPv4"
  protocol          = "tcp"
  port_range_min    = 22
  port_range_max    = 22
  remote_ip_prefix  = "0.0.0.0/0"
}

resource "openstack_networking_secgroup_rule_v2" "http" {
  security_group_id = openstack_networking_secgroup_v2.web.id
  direction         = "ingress"
  ethertype         = "IPv4"
  protocol          = "tcp"
  port_range_min    = 80
  port_range_max    = 80
  remote_ip_prefix  = "0.0.0.0/0"
}

resource "openstack_networking_secgroup_rule_v2" "ping" {
  security_group_id = openstack_networking_secgroup_v2.web.id
  direction         = "ingress"
  ethertype         = "IPv4"
  protocol          = "icmp"
  remote_ip_prefix  = "0.0.0.0/0"
}

resource "openstack_networking_secgroup_rule_v2" "group" {
  security_group_id = openstack_networking_secgroup_v2.web.id
  direction         = "ingress"
  ethertype         = "IPv4"
  remote_group_id   = openstack_networking_secgroup_v2.web.id
}

# The VM's port, made before the VM so its address is known: a fixed IP
# outside the allocation pool, the group above, and a second address the
# VM may answer for (a VRRP address, say).
resource "openstack_networking_port_v2" "vm" {
  name               = "${var.vm_name}-port"
  network_id         = openstack_networking_network_v2.app.id
  admin_state_up     = true
  security_group_ids = [openstack_networking_secgroup_v2.web.id]

  fixed_ip {
    subnet_id  = openstack_networking_subnet_v2.app.id
    ip_address = cidrhost(var.cidr, 10)
  }

  allowed_address_pairs {
    ip_address = "${cidrhost(var.cidr, 250)}/32"
  }
}

resource "openstack_compute_instance_v2" "vm" {
  name      = var.vm_name
  image_id  = data.openstack_images_image_v2.image.id
  flavor_id = data.openstack_compute_flavor_v2.flavor.id
  metadata  = var.vm_metadata

  network {
    port = openstack_networking_port_v2.vm.id
  }
}

resource "openstack_networking_floatingip_v2" "vm" {
  count   = var.external_network == "" ? 0 : 1
  pool    = var.external_network
  port_id = openstack_networking_port_v2.vm.id

  # The port's subnet must be on a router with a gateway on the pool's
  # network before a floating IP can reach it.
  depends_on = [openstack_networking_router_interface_v2.app]
}

output "vm_address" {
  value = openstack_compute_instance_v2.vm.access_ip_v4
}

output "floating_ip" {
  value = one(openstack_networking_floatingip_v2.vm[*].address)
}
