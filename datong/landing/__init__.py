"""Public landing pages the QR codes lead to (no sign-in): `/join?t=…` for a store's or a
clerk's enrolment QR and `/r/{code}` for a member's share link. Small, mobile-first,
zh-CN with English on `?lang=en`; or a redirect to the retailer's own app when
DATONG_APP_LINK_BASE is set."""
