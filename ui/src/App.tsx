export function App() {
  return <main className="nhsuk-main-wrapper">Doorstep</main>;
}
