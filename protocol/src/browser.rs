//! Telling Safari apart, where the redirect to DOKU may not work: the widget asks its
//! browser, the hosted checkout reads the request's user agent.

/// Whether a browser with this user agent (and this many touch points) renders with
/// Safari's WebKit: desktop Safari, and every browser on iOS and iPadOS (Chrome,
/// Firefox and in-app browsers there are WebKit too). The platform warns that Safari may
/// not follow the redirect to DOKU.
pub fn is_webkit_safari(user_agent: &str, max_touch_points: u32) -> bool {
    let ua = user_agent;
    let ios = ["iPhone", "iPad", "iPod"].iter().any(|d| ua.contains(d));
    // iPadOS asks for desktop sites with a Mac user agent; only its touch screen tells.
    let ipad_as_mac = ua.contains("Macintosh") && max_touch_points > 1;
    if ios || ipad_as_mac {
        return true;
    }
    let other_engine = [
        "Chrome/",
        "Chromium/",
        "Edg/",
        "OPR/",
        "Firefox/",
        "SamsungBrowser/",
        "Android",
    ]
    .iter()
    .any(|marker| ua.contains(marker));
    ua.contains("Safari/") && ua.contains("Version/") && !other_engine
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safari_and_ios_browsers_are_detected() {
        let safari = [
            // Safari 17 on macOS.
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
            // Safari on iPhone.
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            // Chrome on iOS (WebKit underneath).
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/123.0.6312.52 Mobile/15E148 Safari/604.1",
            // Instagram's in-app browser on iOS.
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 320.0.2.30.97",
            // Facebook's in-app browser on iPad.
            "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/440.0.0.32.109]",
        ];
        for ua in safari {
            assert!(is_webkit_safari(ua, 0), "{ua}");
        }
        // iPadOS requesting the desktop site: a Mac user agent with a touch screen.
        let ipad_desktop = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";
        assert!(is_webkit_safari(ipad_desktop, 5));
    }

    #[test]
    fn other_browsers_are_not() {
        let others = [
            // Chrome on Windows.
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            // Chrome on macOS.
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            // Chrome on Android.
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
            // Firefox on Linux and on macOS.
            "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0",
            // Edge on Windows.
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67",
            // Samsung Internet.
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
            // Headless Chromium.
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
        ];
        for ua in others {
            assert!(!is_webkit_safari(ua, 0), "{ua}");
        }
    }
}
