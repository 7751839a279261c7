"""The listing pipeline (上市后备企业库): reserve list, stages derived from the listing records,
actions, funnel and the projection of listings to the plan's horizon."""
