#!/usr/bin/env bash
# A test cluster on this machine: N "hosts", each a Linux network namespace with a hostname of its own,
# joined by veth pairs to a bridge in the root namespace, addressed from 198.18.0.0/15 (the range set aside
# for benchmark test networks). mpirun runs in the root namespace and starts OpenMPI's daemon (orted) on a
# host through an rsh agent, as it would through ssh on a real cluster. Needs root (or CAP_NET_ADMIN and
# CAP_SYS_ADMIN) and iproute2's `ip`.
#
#   netns-cluster.sh up DIR N [OWNER_PID]   makes N hosts (2..26) owned by OWNER_PID (default: the caller), and
#                                           writes into DIR (which must exist):
#                                             hostfile     one line per host, "ADDRESS slots=1"
#                                             mpirun-args  the mpirun arguments that reach the hosts
#                                             hosts        one line per host, "ADDRESS NAMESPACE HOSTNAME"
#                                             rsh-agent    what mpirun runs instead of ssh
#                                             state        what `down` removes
#   netns-cluster.sh down DIR               ends every process on the hosts, removes the namespaces, links
#                                           and DIR's files
#   netns-cluster.sh clean                  removes the clusters whose owner process is gone (`up` does it first)
#   netns-cluster.sh agent DIR HOST CMD...  the rsh agent: runs CMD through sh on HOST, as ssh would
#
# Names carry the owner and the subnet: namespaces parlab-cluster-<owner pid>-<its start time>-<subnet>-node-a,
# bridge parlabc<subnet> (its alias names the owner), root-side veths parlabc<subnet>-a; <subnet> numbers the /24 in
# 198.18.0.0/15 (0..511). A cluster whose owner died (killed, crashed) is found by them and removed by the next
# `up` or `clean`. The subnet is picked from the owner's pid, skipping any /24 in use, so two test runs, or two
# clusters of one test, can be up at once.
set -euo pipefail

die() {
  printf 'netns-cluster: %s\n' "$*" >&2
  exit 1
}

readonly PREFIX=parlab-cluster
# Held while clusters are made or cleaned, so that two test runs never pick the same subnet.
LOCK=/run/lock/parlab-test-cluster.lock
[[ -d /run/lock ]] || LOCK=${TMPDIR:-/tmp}/parlab-test-cluster.lock
readonly LOCK
self=$(readlink -f "$0")

# The start time of process $1 in clock ticks (field 22 of /proc/PID/stat), empty when it is gone.
start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) } # the command name may hold spaces and parentheses: cut after the last ")"
  set -- $stat
  printf '%s' "${20}"
}

# Kills every process in namespace $1, then removes it.
remove_namespace() {
  local pids
  pids=$(ip netns pids "$1" 2>/dev/null || true)
  # shellcheck disable=SC2086
  [[ -z $pids ]] || kill -KILL $pids 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    [[ -z $(ip netns pids "$1" 2>/dev/null || true) ]] && break
    sleep 0.05
  done
  ip netns delete "$1" 2>/dev/null || true
}

# Whether the owner "PID START" of a cluster is gone.
owner_gone() {
  [[ $(start_time "$1") != "$2" ]]
}

clean() {
  local ns rest pid start link alias
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    [[ $ns == "$PREFIX"-* ]] || continue
    rest=${ns#"$PREFIX"-}
    pid=${rest%%-*}
    rest=${rest#*-}
    start=${rest%%-*}
    owner_gone "$pid" "$start" && remove_namespace "$ns"
  done
  # Root-side veths go with their peers' namespaces. A bridge without its alias was being made when its owner
  # died: `up` holds the lock from making it to naming its owner.
  for link in /sys/class/net/parlabc*; do
    link=${link##*/}
    [[ $link =~ ^parlabc[0-9]+$ ]] || continue
    alias=$(cat "/sys/class/net/$link/ifalias" 2>/dev/null || true)
    if [[ $alias =~ ^$PREFIX\ ([0-9]+)\ ([0-9]+)$ ]]; then
      owner_gone "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" || continue
    fi
    ip link delete "$link" 2>/dev/null || true
  done
}

# The number (0..511) of the first /24 of 198.18.0.0/15 from number $1 on that no interface here, or in any
# namespace, has an address in.
free_subnet() {
  local used i c net
  used=$(
    ip -4 -o addr show 2>/dev/null
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do ip -n "$ns" -4 -o addr show 2>/dev/null || true; done
  )
  for ((i = 0; i < 512; ++i)); do
    c=$((($1 + i) % 512))
    net="198.$((18 + c / 256)).$((c % 256))"
    grep -qF " inet $net." <<<"$used" || {
      printf '%s' "$c"
      return 0
    }
  done
  return 1
}

up() {
  local dir=$1 count=$2 owner=${3:-$PPID}
  [[ -d $dir ]] || die "up: $dir is not a folder"
  [[ $count =~ ^[0-9]+$ ]] && ((count >= 2 && count <= 26)) || die "up: host count '$count' is not 2..26"
  [[ $(id -u) -eq 0 ]] || die "needs root to make network namespaces (running as uid $(id -u))"
  command -v ip >/dev/null || die "iproute2's ip is not installed"
  command -v unshare >/dev/null || die "util-linux's unshare is not installed"
  local start
  start=$(start_time "$owner")
  [[ -n $start ]] || die "up: owner process $owner is not running"

  exec 9>"$LOCK" || die "cannot open $LOCK"
  flock 9
  clean
  local subnet
  subnet=$(free_subnet $((owner % 512))) || die "no free /24 left in 198.18.0.0/15"
  local net="198.$((18 + subnet / 256)).$((subnet % 256))"
  local cidr="$net.0/24" bridge="parlabc$subnet"

  # What `down` needs is written before anything is made, so a failure half-way is still cleaned up.
  local names=() i letter ns
  for ((i = 0; i < count; ++i)); do
    letter=$(printf "\\x$(printf '%x' $((97 + i)))")
    names+=("$PREFIX-$owner-$start-$subnet-node-$letter")
  done
  printf 'bridge %s\n' "$bridge" >"$dir/state"
  printf 'namespace %s\n' "${names[@]}" >>"$dir/state"

  ip link add "$bridge" type bridge || die "cannot make a bridge (ip link add $bridge type bridge): no permission?"
  ip link set "$bridge" alias "$PREFIX $owner $start"
  ip addr add "$net.1/24" dev "$bridge"
  ip link set "$bridge" up
  : >"$dir/hosts"
  : >"$dir/hostfile"
  for ((i = 0; i < count; ++i)); do
    ns=${names[i]}
    letter=${ns##*-}
    local address="$net.$((11 + i))"
    ip netns add "$ns" || die "cannot make network namespace $ns: no permission?"
    ip link add "$bridge-$letter" type veth peer name eth0 netns "$ns"
    ip link set "$bridge-$letter" master "$bridge" up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$address/24" dev eth0
    ip -n "$ns" link set eth0 up
    printf '%s %s node-%s\n' "$address" "$ns" "$letter" >>"$dir/hosts"
    printf '%s slots=1\n' "$address" >>"$dir/hostfile"
  done
  printf '#!/bin/sh\nexec %s agent %s "$@"\n' "$self" "$dir" >"$dir/rsh-agent"
  chmod +x "$dir/rsh-agent"

  # TCP only, and only on the cluster's subnet: no shared memory between "hosts" that share a kernel, and no
  # route through the machine's real interfaces.
  local args="--mca plm_rsh_agent $dir/rsh-agent --mca btl tcp,self --mca btl_tcp_if_include $cidr"
  args+=" --mca oob_tcp_if_include $cidr"
  printf '%s\n' "$args" >"$dir/mpirun-args"

}

down() {
  local dir=$1 kind name
  [[ -f $dir/state ]] || return 0
  while read -r kind name; do
    case $kind in
      namespace) remove_namespace "$name" ;;
      bridge) ip link delete "$name" 2>/dev/null || true ;;
    esac
  done <"$dir/state"
  rm -f "$dir/state" "$dir/hosts" "$dir/hostfile" "$dir/rsh-agent" "$dir/mpirun-args"
}

# As ssh HOST CMD...: the words of CMD joined by spaces, run by a shell on HOST, with the host's own hostname
# (a UTS namespace of its own), and none of this machine's ParLab marker: a process on another machine cannot
# be found by the ParLab that started it, so the tests prove that mpirun's own teardown reaches every host.
agent() {
  local dir=$1 host=$2
  shift 2
  local address ns name
  while read -r address ns name; do
    if [[ $address == "$host" ]]; then
      unset PARLAB_OWNER
      exec ip netns exec "$ns" unshare --uts -- /bin/sh -c "hostname $name && $*"
    fi
  done <"$dir/hosts"
  printf 'netns-cluster agent: %s is not a host of the cluster in %s\n' "$host" "$dir" >&2
  exit 255
}

case ${1:-} in
  up) (($# >= 3)) || die "usage: $0 up DIR N [OWNER_PID]"; up "$2" "$3" "${4:-}" ;;
  down) (($# == 2)) || die "usage: $0 down DIR"; down "$2" ;;
  clean)
    exec 9>"$LOCK" && flock 9
    clean
    ;;
  agent) (($# >= 4)) || die "usage: $0 agent DIR HOST COMMAND..."; agent "$2" "$3" "${@:4}" ;;
  *) die "usage: $0 up DIR N [OWNER_PID] | down DIR | clean | agent DIR HOST COMMAND..." ;;
esac
