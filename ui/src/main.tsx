// The UI's entry point: NHS.UK styles, then the app.
import "nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
