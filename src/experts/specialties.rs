//! The specialty code tree experts are classified by. A child's code is its
//! parent's code followed by two digits, so "is under" is "starts with":
//! `A0101` (housing works) is under `A01` (construction works), under `A`
//! (engineering). Pure data.

use serde::Serialize;

/// One specialty.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Specialty {
    pub code: &'static str,
    pub name: &'static str,
    pub name_en: &'static str,
}

const fn s(code: &'static str, name: &'static str, name_en: &'static str) -> Specialty {
    Specialty {
        code,
        name,
        name_en,
    }
}

/// The whole tree, each parent before its children.
pub const TREE: &[Specialty] = &[
    s("A", "工程建设", "Engineering construction"),
    s("A01", "房屋建筑工程", "Building works"),
    s("A0101", "土建", "Civil works"),
    s(
        "A0102",
        "建筑电气与智能化",
        "Building electrical and intelligent systems",
    ),
    s("A0103", "给排水与暖通", "Plumbing, heating and ventilation"),
    s("A02", "市政公用工程", "Municipal works"),
    s("A0201", "道路桥梁", "Roads and bridges"),
    s("A0202", "给水排水工程", "Water supply and drainage"),
    s("A03", "水利工程", "Water conservancy"),
    s("A04", "交通工程", "Transport works"),
    s("B", "货物", "Goods"),
    s("B01", "信息技术设备", "Information technology equipment"),
    s(
        "B0101",
        "计算机与网络设备",
        "Computers and network equipment",
    ),
    s(
        "B0102",
        "教学与多媒体设备",
        "Teaching and multimedia equipment",
    ),
    s("B02", "医疗设备", "Medical equipment"),
    s("B03", "办公设备与家具", "Office equipment and furniture"),
    s("C", "服务", "Services"),
    s("C01", "信息技术服务", "Information technology services"),
    s("C02", "物业管理", "Property management"),
    s(
        "C03",
        "工程咨询与监理",
        "Engineering consulting and supervision",
    ),
    s("E", "经济", "Economics"),
    s("E01", "工程造价", "Cost engineering"),
    s("E02", "财务与审计", "Finance and audit"),
    s("E03", "法律", "Law"),
    s("L", "土地与矿业权", "Land and mining rights"),
    s("L01", "土地评估", "Land valuation"),
    s("L02", "矿产资源", "Mineral resources"),
];

/// The specialty with this code, if the tree has it.
pub fn find(code: &str) -> Option<&'static Specialty> {
    TREE.iter().find(|s| s.code == code)
}

/// Whether `code` is `ancestor` or lies under it.
pub fn is_under(code: &str, ancestor: &str) -> bool {
    code.starts_with(ancestor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_unique_and_its_parent_comes_first() {
        for (i, spec) in TREE.iter().enumerate() {
            assert!(
                TREE.iter().filter(|o| o.code == spec.code).count() == 1,
                "{}",
                spec.code
            );
            if spec.code.len() > 1 {
                let parent = &spec.code[..spec.code.len() - 2];
                let parent_at = TREE.iter().position(|o| o.code == parent);
                assert!(
                    parent_at.is_some_and(|p| p < i),
                    "{} has no parent",
                    spec.code
                );
            }
        }
        assert!(is_under("A0101", "A01") && is_under("A01", "A01"));
        assert!(!is_under("A01", "A0101") && !is_under("B01", "A"));
        assert!(find("E01").is_some() && find("Z9").is_none());
    }
}
