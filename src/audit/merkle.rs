//! RFC 6962 / RFC 9162 Merkle tree arithmetic over plain data: the tree
//! hash, inclusion and consistency proofs, and their verification.
//!
//! The tree is never rehashed. Every *perfect* subtree (2^level leaves
//! starting at a multiple of 2^level) is hashed once, when its last leaf is
//! appended, and stored; any tree head or proof is then assembled from
//! O(log n) of them. The functions here take the stored hashes through a
//! lookup (`get`), so the same code runs over a database, a map in memory or
//! a recorder that lists which nodes a proof will need (see [`needed`]).

use openssl::sha::Sha256;

pub type Hash = [u8; 32];

/// SHA-256 of the empty string: the root of the empty tree.
pub fn empty_root() -> Hash {
    openssl::sha::sha256(b"")
}

/// SHA-256(0x00 || input).
pub fn leaf_hash(input: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update(&[0]);
    h.update(input);
    h.finish()
}

/// SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update(&[1]);
    h.update(left);
    h.update(right);
    h.finish()
}

/// A perfect subtree: the 2^level leaves from `index * 2^level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub fn leaf(index: u64) -> NodeId {
        NodeId { level: 0, index }
    }
}

/// The largest power of two smaller than `n` (n > 1).
fn split(n: u64) -> u64 {
    debug_assert!(n > 1);
    1 << (63 - (n - 1).leading_zeros())
}

/// The hash of leaves `[start, end)`; `start` is a multiple of the smallest
/// power of two not below `end - start`, as every range RFC 6962's
/// recursion visits is.
fn range_hash(start: u64, end: u64, get: &mut dyn FnMut(NodeId) -> Hash) -> Hash {
    let n = end - start;
    if n.is_power_of_two() {
        let level = n.trailing_zeros() as u8;
        return get(NodeId {
            level,
            index: start >> level,
        });
    }
    let k = split(n);
    let left = range_hash(start, start + k, get);
    let right = range_hash(start + k, end, get);
    node_hash(&left, &right)
}

/// MTH of the first `size` leaves.
pub fn root(size: u64, get: &mut dyn FnMut(NodeId) -> Hash) -> Hash {
    if size == 0 {
        return empty_root();
    }
    range_hash(0, size, get)
}

/// RFC 6962 PATH(index, D[size]): the audit path of leaf `index` in the tree
/// of the first `size` leaves, deepest first. `index < size`.
pub fn inclusion_proof(index: u64, size: u64, get: &mut dyn FnMut(NodeId) -> Hash) -> Vec<Hash> {
    let mut out = Vec::new();
    if index < size {
        path(index, 0, size, get, &mut out);
    }
    out
}

fn path(m: u64, start: u64, end: u64, get: &mut dyn FnMut(NodeId) -> Hash, out: &mut Vec<Hash>) {
    let n = end - start;
    if n <= 1 {
        return;
    }
    let k = split(n);
    if m < start + k {
        path(m, start, start + k, get, out);
        out.push(range_hash(start + k, end, get));
    } else {
        path(m, start + k, end, get, out);
        out.push(range_hash(start, start + k, get));
    }
}

/// RFC 6962 PROOF(first, D[second]): empty when `first` is 0 or equals
/// `second`. `first <= second`.
pub fn consistency_proof(
    first: u64,
    second: u64,
    get: &mut dyn FnMut(NodeId) -> Hash,
) -> Vec<Hash> {
    let mut out = Vec::new();
    if 0 < first && first < second {
        subproof(first, 0, second, true, get, &mut out);
    }
    out
}

fn subproof(
    m: u64,
    start: u64,
    end: u64,
    whole: bool,
    get: &mut dyn FnMut(NodeId) -> Hash,
    out: &mut Vec<Hash>,
) {
    let n = end - start;
    if m == n {
        if !whole {
            out.push(range_hash(start, end, get));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, start, start + k, whole, get, out);
        out.push(range_hash(start + k, end, get));
    } else {
        subproof(m - k, start + k, end, false, get, out);
        out.push(range_hash(start, start + k, get));
    }
}

/// The stored nodes a computation will ask for: run it once with this, fetch
/// them, run it again with the real hashes.
pub fn needed<T>(compute: impl FnOnce(&mut dyn FnMut(NodeId) -> Hash) -> T) -> Vec<NodeId> {
    let mut ids = Vec::new();
    let mut record = |id: NodeId| {
        ids.push(id);
        [0u8; 32]
    };
    compute(&mut record);
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The perfect subtrees a tree of `size` leaves ends with, left to right:
/// one per set bit of `size`. Appending needs only these.
pub fn frontier(size: u64) -> Vec<NodeId> {
    (0..64u8)
        .rev()
        .filter(|b| size >> b & 1 == 1)
        .map(|level| NodeId {
            level,
            index: (size >> level) - 1,
        })
        .collect()
}

/// Appends leaves to a tree of `size` leaves whose [`frontier`] hashes are
/// given (left to right): returns every perfect node the new leaves
/// complete (the leaves themselves included) and the new root.
pub fn append(size: u64, frontier_hashes: &[Hash], leaves: &[Hash]) -> (Vec<(NodeId, Hash)>, Hash) {
    // The right edge as a stack of (level, hash), highest level first.
    let mut edge: Vec<(u8, Hash)> = frontier(size)
        .into_iter()
        .map(|id| id.level)
        .zip(frontier_hashes.iter().copied())
        .collect();
    let mut made = Vec::with_capacity(leaves.len() * 2);
    for (next, leaf) in (size..).zip(leaves) {
        let mut id = NodeId::leaf(next);
        let mut hash = *leaf;
        made.push((id, hash));
        while let Some(&(level, left)) = edge.last() {
            if level != id.level {
                break;
            }
            edge.pop();
            hash = node_hash(&left, &hash);
            id = NodeId {
                level: level + 1,
                index: id.index >> 1,
            };
            made.push((id, hash));
        }
        edge.push((id.level, hash));
    }
    let root = edge
        .iter()
        .rev()
        .map(|(_, h)| *h)
        .reduce(|right, left| node_hash(&left, &right))
        .unwrap_or_else(empty_root);
    (made, root)
}

/// RFC 9162 §2.1.3.2: whether `proof` shows `leaf` at `index` in the tree
/// of `size` leaves with `root`.
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    s_n == 0 && &r == root
}

/// RFC 9162 §2.1.4.2: whether `proof` shows the tree of `second` leaves
/// with `second_root` extends the tree of `first` leaves with `first_root`.
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> bool {
    if first > second {
        return false;
    }
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    if first == 0 {
        return proof.is_empty();
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if first.is_power_of_two() {
        path.insert(0, *first_root);
    }
    let Some((head, rest)) = path.split_first() else {
        return false;
    };
    let (mut f_n, mut s_n) = (first - 1, second - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut fr, mut sr) = (*head, *head);
    for c in rest {
        if s_n == 0 {
            return false;
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    &fr == first_root && &sr == second_root && s_n == 0
}

/// MTH by the definition, rehashing every leaf: the baseline benchmarks
/// compare against, and the reference the tests check the rest with.
pub fn naive_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
        }
    }
}

/// PATH by the definition over all leaves (benchmarks' baseline, tests' reference).
pub fn naive_inclusion_proof(index: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 || index >= n {
        return Vec::new();
    }
    let k = split(n as u64) as usize;
    if index < k {
        let mut p = naive_inclusion_proof(index, &leaves[..k]);
        p.push(naive_root(&leaves[k..]));
        p
    } else {
        let mut p = naive_inclusion_proof(index - k, &leaves[k..]);
        p.push(naive_root(&leaves[..k]));
        p
    }
}

/// PROOF by the definition over all leaves (benchmarks' baseline, tests' reference).
pub fn naive_consistency_proof(first: usize, leaves: &[Hash]) -> Vec<Hash> {
    fn sub(m: usize, leaves: &[Hash], whole: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if whole {
                Vec::new()
            } else {
                vec![naive_root(leaves)]
            };
        }
        let k = split(n as u64) as usize;
        if m <= k {
            let mut p = sub(m, &leaves[..k], whole);
            p.push(naive_root(&leaves[k..]));
            p
        } else {
            let mut p = sub(m - k, &leaves[k..], false);
            p.push(naive_root(&leaves[..k]));
            p
        }
    }
    if first == 0 || first >= leaves.len() {
        return Vec::new();
    }
    sub(first, leaves, true)
}

/// Perfect-subtree hashes kept in memory (tests, benchmarks, the verifier).
#[derive(Default)]
pub struct MemoryTree {
    /// `levels[l][i]` is the node (l, i).
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    pub fn push(&mut self, leaf: Hash) {
        let size = self.size();
        let frontier: Vec<Hash> = frontier(size).iter().map(|id| self.get(*id)).collect();
        let (made, _) = append(size, &frontier, &[leaf]);
        for (id, hash) in made {
            let level = id.level as usize;
            if self.levels.len() <= level {
                self.levels.resize_with(level + 1, Vec::new);
            }
            debug_assert_eq!(self.levels[level].len() as u64, id.index);
            self.levels[level].push(hash);
        }
    }

    /// A stored node; panics on one not yet complete (a caller's bug).
    pub fn get(&self, id: NodeId) -> Hash {
        self.levels[id.level as usize][id.index as usize]
    }

    pub fn root_at(&self, size: u64) -> Hash {
        root(size, &mut |id| self.get(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(&(i as u64).to_be_bytes()))
            .collect()
    }

    fn hex(h: &Hash) -> String {
        crate::identity::hex(h)
    }

    #[test]
    fn rfc6962_reference_roots() {
        // The test vectors of Certificate Transparency's reference
        // implementation (merkle_tree_test): leaves are these byte strings.
        let inputs: [&[u8]; 8] = [
            b"",
            b"\x00",
            b"\x10",
            b"\x20\x21",
            b"\x30\x31",
            b"\x40\x41\x42\x43",
            b"\x50\x51\x52\x53\x54\x55\x56\x57",
            b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
        ];
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let hashes: Vec<Hash> = inputs.iter().map(|i| leaf_hash(i)).collect();
        let mut tree = MemoryTree::default();
        for (n, leaf) in hashes.iter().enumerate() {
            tree.push(*leaf);
            assert_eq!(hex(&tree.root_at(n as u64 + 1)), roots[n], "size {}", n + 1);
            assert_eq!(hex(&naive_root(&hashes[..=n])), roots[n]);
        }
        assert_eq!(
            hex(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn proofs_match_the_definition_and_verify() {
        let all = leaves(70);
        let mut tree = MemoryTree::default();
        for leaf in &all {
            tree.push(*leaf);
        }
        let mut get = |id: NodeId| tree.get(id);
        for size in 1..=all.len() {
            let root_n = root(size as u64, &mut get);
            assert_eq!(root_n, naive_root(&all[..size]));
            for index in 0..size {
                let proof = inclusion_proof(index as u64, size as u64, &mut get);
                assert_eq!(proof, naive_inclusion_proof(index, &all[..size]));
                assert!(verify_inclusion(
                    index as u64,
                    size as u64,
                    &all[index],
                    &proof,
                    &root_n
                ));
                assert!(!verify_inclusion(
                    index as u64,
                    size as u64,
                    &all[(index + 1) % all.len()],
                    &proof,
                    &root_n
                ));
            }
            for first in 1..=size {
                let root_m = root(first as u64, &mut get);
                let proof = consistency_proof(first as u64, size as u64, &mut get);
                assert_eq!(proof, naive_consistency_proof(first, &all[..size]));
                assert!(
                    verify_consistency(first as u64, size as u64, &root_m, &root_n, &proof),
                    "{first} -> {size}"
                );
                if first < size {
                    let mut bad = proof.clone();
                    bad[0][0] ^= 1;
                    assert!(!verify_consistency(
                        first as u64,
                        size as u64,
                        &root_m,
                        &root_n,
                        &bad
                    ));
                    assert!(!verify_consistency(
                        first as u64,
                        size as u64,
                        &[0xaa; 32],
                        &root_n,
                        &proof
                    ));
                }
            }
        }
    }

    #[test]
    fn proofs_need_logarithmically_many_nodes() {
        let size = 1_000_003u64;
        for index in [0, 1, 524_287, 524_288, size - 1] {
            let ids = needed(|get| inclusion_proof(index, size, get));
            assert!(ids.len() <= 2 * 20, "{index}: {}", ids.len());
        }
        for first in [1, 2, 3, 524_288, 999_999] {
            let ids = needed(|get| consistency_proof(first, size, get));
            assert!(ids.len() <= 3 * 20, "{first}: {}", ids.len());
        }
        assert_eq!(needed(|get| root(size, get)).len(), frontier(size).len());
    }

    #[test]
    fn batches_append_like_single_leaves() {
        let all = leaves(37);
        let mut one_by_one = MemoryTree::default();
        let mut nodes = std::collections::HashMap::new();
        let mut size = 0u64;
        for chunk in all.chunks(5) {
            let frontier: Vec<Hash> = frontier(size).iter().map(|id| nodes[id]).collect();
            let (made, root_after) = append(size, &frontier, chunk);
            nodes.extend(made);
            size += chunk.len() as u64;
            for leaf in chunk {
                one_by_one.push(*leaf);
            }
            assert_eq!(root_after, one_by_one.root_at(size));
            assert_eq!(root_after, naive_root(&all[..size as usize]));
        }
    }

    #[test]
    fn refuses_nonsense() {
        let all = leaves(5);
        let r = naive_root(&all);
        assert!(!verify_inclusion(5, 5, &all[0], &[], &r));
        assert!(!verify_inclusion(0, 5, &all[0], &[], &r));
        assert!(!verify_consistency(6, 5, &r, &r, &[]));
        assert!(!verify_consistency(2, 5, &r, &r, &[]));
        assert!(inclusion_proof(7, 5, &mut |_| [0; 32]).is_empty());
    }
}
