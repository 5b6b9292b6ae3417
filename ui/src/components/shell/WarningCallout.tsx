// The NHS.UK warning callout (a warning card).
import type { ReactNode } from "react";

export function WarningCallout({ heading, level = 3, children, testId }: {
  heading: string;
  level?: 2 | 3;
  children: ReactNode;
  testId?: string;
}) {
  const Heading = level === 2 ? "h2" : "h3";
  return (
    <div className="nhsuk-card nhsuk-card--warning" data-testid={testId}>
      <div className="nhsuk-card__content">
        <Heading className="nhsuk-card__heading">
          {/important/i.test(heading) ? heading : <><span className="nhsuk-u-visually-hidden">Important: </span>{heading}</>}
        </Heading>
        {children}
      </div>
    </div>
  );
}
