// Login: checks the admin token against the API before keeping it, so a wrong token is an error message.
import { $, api, clearAdminToken, fill, getAdminToken, initChrome, setAdminToken, t } from "./common.js";

initChrome();

if (new URLSearchParams(location.search).get("expired")) fill($("#login-error"), t("login.expired"));

// Already signed in: go straight to the dashboard when the stored token still works.
if (getAdminToken()) {
  api("/admin/stats", { redirectOn401: false })
    .then(() => location.replace("/dashboard"))
    .catch((error) => {
      if (error.status === 401) clearAdminToken();
    });
}

$("#login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const token = $("#admin-token").value.trim();
  const error = $("#login-error");
  const submit = $("#login-submit");
  fill(error);
  if (!token) return;
  submit.disabled = true;
  try {
    await api("/admin/stats", { token, redirectOn401: false });
    setAdminToken(token, $("#remember").checked);
    location.assign("/dashboard");
  } catch (failure) {
    fill(error, failure.status === 401 ? t("login.wrong_token") : failure.message);
    submit.disabled = false;
    $("#admin-token").select();
  }
});
