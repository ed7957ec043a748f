//! The site's identity, as the public sees it in the portal's footer: who
//! operates the platform, its filing numbers and how to reach it. A website
//! in China shows its ICP filing number (《互联网信息服务管理办法》第12条;
//! 《非经营性互联网信息服务备案管理办法》第13条) and its public-security
//! filing number (《计算机信息网络国际联网安全保护管理办法》第12条) at the
//! foot of its pages. They come from the configuration (`site_*`); a demo
//! server (`demo_data`) shows demo values, marked as such, where none is set.

use crate::app::AppState;
use crate::config::Config;
use actix_web::{get, web};
use serde::{Deserialize, Serialize};

/// The site's identity; an empty field is not shown.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Site {
    /// The platform operator's name.
    pub operator: String,
    /// Its name in English (empty: the Chinese name is used).
    pub operator_en: String,
    /// ICP filing number (ICP备案号).
    pub icp: String,
    /// Public-security filing number (公安机关备案号).
    pub police: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    /// Whether some values are the demo's, not configured.
    pub demo: bool,
}

/// The demo's identity: plainly not real filing numbers.
const DEMO: [&str; 7] = [
    "广西壮族自治区公共资源交易平台（演示）",
    "Guangxi Public Resource Trading Platform (demo)",
    "桂ICP备00000000号-1（演示）",
    "桂公网安备 45010000000000号（演示）",
    "0771-0000000",
    "service@ggzy.invalid",
    "广西南宁市青秀区（演示地址）",
];

pub fn site(config: &Config) -> Site {
    let mut demo = false;
    let mut pick = |value: &str, i: usize| {
        if value.trim().is_empty() && config.demo_data {
            demo = true;
            DEMO[i].to_string()
        } else {
            value.trim().to_string()
        }
    };
    let operator = pick(&config.site_operator, 0);
    let operator_en = pick(&config.site_operator_en, 1);
    let icp = pick(&config.site_icp, 2);
    let police = pick(&config.site_police, 3);
    let phone = pick(&config.site_phone, 4);
    let email = pick(&config.site_email, 5);
    let address = pick(&config.site_address, 6);
    Site {
        operator,
        operator_en,
        icp,
        police,
        phone,
        email,
        address,
        demo,
    }
}

/// The site's identity (public): the operator, its filing numbers, contact.
#[utoipa::path(tag = "operations", responses((status = 200, body = Site)))]
#[get("/site")]
pub async fn get_site(state: web::Data<AppState>) -> web::Json<Site> {
    web::Json(site(&state.config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_values_win_and_demo_fills_only_when_asked() {
        let mut c = Config {
            demo_data: false,
            ..Config::default()
        };
        let s = site(&c);
        assert!(s.operator.is_empty() && !s.demo);
        c.demo_data = true;
        c.site_icp = "桂ICP备12345678号-1".into();
        let s = site(&c);
        assert_eq!(s.icp, "桂ICP备12345678号-1");
        assert!(s.demo && s.operator.contains("演示"));
    }
}
